import type { Database } from 'better-sqlite3';
import type { Conversion } from '../../domain/entities.js';
import type { ConversionFilter, ConversionRepository } from '../store.js';
import type { Queries } from './queries.js';
import { rowToConversion, type ConversionRow } from './rows.js';

/** Conversions as the API reads them, with the ids of the postbacks applied to each (from the log). */
export function createSqliteConversions(db: Database, { inList, page }: Queries): ConversionRepository {
  const getConversion = db.prepare<[string], ConversionRow>('SELECT * FROM conversions WHERE id = ?');
  // postback_ids of conversions, from the log: every applied postback names its conversion.
  const withPostbackIds = (rows: ConversionRow[]): Conversion[] => {
    const ids = new Map<string, string[]>(rows.map((r) => [r.id, []]));
    const applied = inList<{ id: string; conversion_id: string }>(
      (marks) =>
        `SELECT id, conversion_id FROM postbacks WHERE conversion_id IN (${marks}) AND outcome IN ('recorded', 'updated', 'incremented') ORDER BY id`,
      rows.map((r) => r.id),
    );
    for (const row of applied) ids.get(row.conversion_id)?.push(row.id);
    return rows.map((row) => rowToConversion(row, ids.get(row.id) ?? []));
  };
  return {
    getConversion: async (id) => {
      const row = getConversion.get(id);
      return row ? (withPostbackIds([row])[0] ?? null) : null;
    },
    // Filter keys are the typed fields of ConversionFilter, all real columns.
    listConversions: async (filter: ConversionFilter, query) => {
      const rows = page('conversions', 'created_at', { ...filter }, query, (row: ConversionRow) => row);
      return { items: withPostbackIds(rows.items), next: rows.next };
    },
  };
}
