import type { Database } from 'better-sqlite3';
import type { Conversion } from '../../domain/entities.js';
import type { ConversionFilter, ConversionRepository, Page, PageQuery } from '../store.js';
import type { Queries } from './queries.js';
import { storedStatuses } from '../../domain/reversal.js';
import { rowToConversion, type ConversionRow } from './rows.js';

/**
 * Conversions as the API reads them, with the ids of the postbacks applied to each (from
 * the log). Test conversions are in a table of their own; the log shows both, merged.
 */
export function createSqliteConversions(
  db: Database,
  { inList, page }: Queries,
): Pick<ConversionRepository, 'getConversion' | 'listConversions'> {
  const getReal = db.prepare<[string], ConversionRow>('SELECT * FROM conversions WHERE id = ?');
  const getTest = db.prepare<[string], ConversionRow>('SELECT * FROM test_conversions WHERE id = ?');
  // postback_ids of conversions, from the log: every applied postback names its conversion.
  const withPostbackIds = (rows: ReadonlyArray<readonly [ConversionRow, boolean]>): Conversion[] => {
    const ids = new Map<string, string[]>(rows.map(([r]) => [r.id, []]));
    const applied = inList<{ id: string; conversion_id: string }>(
      (marks) =>
        `SELECT id, conversion_id FROM postbacks WHERE conversion_id IN (${marks}) AND outcome IN ('recorded', 'updated', 'incremented') ORDER BY id`,
      rows.map(([r]) => r.id),
    );
    for (const row of applied) ids.get(row.conversion_id)?.push(row.id);
    return rows.map(([row, test]) => rowToConversion(row, ids.get(row.id) ?? [], test));
  };
  const pageOf = (table: string, { status, ...filter }: Omit<ConversionFilter, 'test'>, query: PageQuery): Page<ConversionRow> =>
    page(table, 'created_at', { ...filter, status: storedStatuses(status) }, query, (row: ConversionRow) => row);
  return {
    getConversion: async (id) => {
      const real = getReal.get(id);
      const row = real ?? getTest.get(id);
      return row ? (withPostbackIds([[row, !real]])[0] ?? null) : null;
    },
    // Filter keys are the typed fields of ConversionFilter, all real columns (but `test`, which picks the table).
    listConversions: async ({ test, ...filter }, query) => {
      const tables = test === undefined ? [false, true] : [test];
      const pages = tables.map((isTest) => ({ isTest, found: pageOf(isTest ? 'test_conversions' : 'conversions', filter, query) }));
      // Both tables newest first on the same keyset: the page is the newest `limit` of the two.
      const merged = pages
        .flatMap(({ isTest, found }) => found.items.map((row) => [row, isTest] as const))
        .sort(([a], [b]) => b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const items = merged.slice(0, query.limit);
      const more = merged.length > query.limit || pages.some((p) => p.found.next !== null);
      const last = items[items.length - 1]?.[0];
      return { items: withPostbackIds(items), next: more && last ? { t: last.created_at, id: last.id } : null };
    },
  };
}
