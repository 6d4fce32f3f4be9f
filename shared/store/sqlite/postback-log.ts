import type { Database } from 'better-sqlite3';
import type { PostbackLogEntry } from '../../domain/entities.js';
import { conversionDeltas, type ConversionChange, type Countable } from '../rollup-deltas.js';
import type { ConversionRecord, Reversal } from '../../domain/entities.js';
import {
  ALREADY,
  keepReversal,
  pickReversalTarget,
  pickReversedAlready,
  replacementKey,
  reportStatus,
  reversed,
} from '../../domain/reversal.js';
import type { ConversionRepository, LedgerRepository, PostbackFilter, Projection, ReversalRequest, ReversalResult } from '../store.js';
import { createSqliteLedgers, type ProjectionWriter } from './ledgers.js';
import type { Queries } from './queries.js';
import type { Rollups } from './rollups.js';
import {
  conversionToRow,
  postbackToRow,
  rowToConversion,
  rowToPostback,
  subsOf,
  traitsOf,
  type ConversionRow,
  type PostbackRow,
} from './rows.js';

/**
 * The ledgers and what their commits write: conversions (with the rollups moved by
 * `conversionDeltas`) and the postback log, in the commit's transaction.
 */
export function createSqlitePostbackLog(
  db: Database,
  rollups: Rollups,
  { inList, page, upsert }: Queries,
): LedgerRepository & Pick<ConversionRepository, 'reverseConversion' | 'purgeTestData'> {
  const getPostback = db.prepare<[string], PostbackRow>('SELECT * FROM postbacks WHERE id = ?');
  const getConversion = db.prepare<[string], ConversionRow>('SELECT * FROM conversions WHERE id = ?');
  const deleteConversion = db.prepare('DELETE FROM conversions WHERE id = ?');
  const updateOutcome = db.prepare(
    'UPDATE postbacks SET outcome = @outcome, conversion_id = @conversion_id, detail = @detail WHERE id = @id',
  );

  const getTestConversion = db.prepare<[string], ConversionRow>('SELECT * FROM test_conversions WHERE id = ?');
  const deleteTestConversion = db.prepare('DELETE FROM test_conversions WHERE id = ?');

  const countable = (row: ConversionRow): Countable => ({ ...row, click: { ...row, subs: subsOf(row), traits: traitsOf(row) } });
  const storedReversal = (row: ConversionRow | undefined): Reversal | null =>
    row?.reversal ? (JSON.parse(row.reversal) as Reversal) : null;
  const writer: ProjectionWriter = {
    conversions(list) {
      const changes: ConversionChange[] = [];
      const kept = new Map<string, ConversionRecord>();
      const moved = new Map<string, Reversal>();
      for (const [id, given] of list) {
        const gone = given ? undefined : (getConversion.get(id) ?? getTestConversion.get(id));
        const reversal = storedReversal(gone);
        if (gone && reversal) moved.set(replacementKey(gone), reversal);
      }
      const reversalOf = (record: ConversionRecord, row: ConversionRow | undefined): Reversal | null =>
        row ? storedReversal(row) : (moved.get(replacementKey(record)) ?? null);
      for (const [id, given] of list) {
        if (given?.test) {
          // Test conversions: their own table, no rollups.
          const record = keepReversal(given, reversalOf(given, getTestConversion.get(id)));
          if (record !== given) kept.set(id, record);
          upsert('test_conversions', { ...conversionToRow(record) });
          continue;
        }
        const before = getConversion.get(id);
        const record = given && keepReversal(given, reversalOf(given, before));
        if (record && record !== given) kept.set(id, record);
        if (record) upsert('conversions', { ...conversionToRow(record) });
        else {
          if (before) deleteConversion.run(id);
          deleteTestConversion.run(id);
        }
        changes.push({ before: before ? countable(before) : null, after: record && { ...record, status: reportStatus(record) } });
      }
      rollups.conversions(conversionDeltas(changes));
      return kept;
    },
    entry: (entry) => {
      upsert('postbacks', { ...postbackToRow(entry) });
    },
    logUpdate: (update) => {
      updateOutcome.run(update);
    },
    rejected(entry) {
      const existing = getPostback.get(entry.id);
      if (!existing || existing.outcome === 'rejected') upsert('postbacks', { ...postbackToRow(entry) });
    },
  };
  const writeProjection = db.transaction((projection: Projection): void => {
    writer.conversions([
      ...projection.conversions.map((c) => [c.id, c] as const),
      ...projection.removedConversionIds.map((id) => [id, null] as const),
    ]);
    for (const update of projection.logUpdates) writer.logUpdate(update);
    writer.entry(projection.entry);
  });
  const logRejected = db.transaction((entry: PostbackLogEntry): PostbackLogEntry => {
    writer.rejected(entry);
    return rowToPostback(getPostback.get(entry.id) as PostbackRow);
  });
  const ledgers = createSqliteLedgers(db, writer);

  const byClickType = (table: string) =>
    db.prepare<[string, string | null], ConversionRow>(`SELECT * FROM ${table} WHERE clickid = ? AND type IS ?`);
  const candidates = { real: byClickType('conversions'), test: byClickType('test_conversions') };
  const reverse = db.transaction((request: ReversalRequest): ReversalResult => {
    const { match } = request;
    let target: ConversionRecord | null;
    if ('id' in match) {
      const real = getConversion.get(match.id);
      const row = real ?? getTestConversion.get(match.id);
      target = row ? rowToConversion(row, [], !real) : null;
      if (target?.reversal) return { kind: 'already_reversed', conversion: target };
    } else {
      const found = (match.test ? candidates.test : candidates.real)
        .all(match.clickid, match.type)
        .map((row) => rowToConversion(row, [], match.test));
      target = pickReversalTarget(found, match);
      const repeat = target ? null : pickReversedAlready(found, match);
      if (repeat) {
        if (request.entry) writer.entry({ ...request.entry, outcome: 'ignored_duplicate', conversion_id: repeat.id, detail: ALREADY });
        return { kind: 'already_reversed', conversion: repeat };
      }
    }
    if (!target) return { kind: 'not_found' };
    const after = reversed(target, request.reversal);
    writer.conversions([[after.id, after]]);
    if (request.entry) writer.entry({ ...request.entry, outcome: 'reversed', conversion_id: after.id });
    return { kind: 'reversed', conversion: after };
  });
  const purge = db.transaction(() => {
    const conversions = db.prepare('DELETE FROM test_conversions').run().changes;
    const postbacks = db.prepare('DELETE FROM postbacks WHERE test = 1').run().changes;
    // Test ledger keys start with `test:`; `;` is the character after `:`.
    db.prepare("DELETE FROM ledger_rows WHERE key >= 'test:' AND key < 'test;'").run();
    db.prepare("DELETE FROM ledgers WHERE key >= 'test:' AND key < 'test;'").run();
    return { conversions, postbacks };
  });

  return {
    getPostback: async (id) => {
      const row = getPostback.get(id);
      return row ? rowToPostback(row) : null;
    },
    getPostbacks: async (ids) =>
      new Map(inList<PostbackRow>((m) => `SELECT * FROM postbacks WHERE id IN (${m})`, ids).map((row) => [row.id, rowToPostback(row)])),
    // Filter keys are the typed fields of PostbackFilter, all real columns.
    listPostbacks: async (filter: PostbackFilter, query) => page('postbacks', 'received_at', { ...filter }, query, rowToPostback),
    logRejected: async (entry) => logRejected.immediate(entry),
    settingsVersion: async () => ledgers.settingsVersion(),
    loadLedgerHeads: async (keys) => ledgers.heads(keys),
    loadLedgerSuffix: async (key, fromId) => ledgers.suffix(key, fromId),
    commitLedgers: async (commits, rejected, settingsVersion) => ledgers.commit(commits, rejected, settingsVersion),
    writeProjection: async (projection) => {
      writeProjection.immediate(projection);
    },
    reverseConversion: async (request) => reverse.immediate(request),
    purgeTestData: async () => purge.immediate(),
  };
}
