import type { Database } from 'better-sqlite3';
import type { PostbackLogEntry } from '../../domain/entities.js';
import { conversionDeltas, type ConversionChange, type Countable } from '../rollup-deltas.js';
import type { LedgerRepository, PostbackFilter, Projection } from '../store.js';
import { createSqliteLedgers, type ProjectionWriter } from './ledgers.js';
import type { Queries } from './queries.js';
import type { Rollups } from './rollups.js';
import { conversionToRow, postbackToRow, rowToPostback, subsOf, type ConversionRow, type PostbackRow } from './rows.js';

/**
 * The ledgers and what their commits write: conversions (with the rollups moved by
 * `conversionDeltas`) and the postback log, in the commit's transaction.
 */
export function createSqlitePostbackLog(db: Database, rollups: Rollups, { inList, page, upsert }: Queries): LedgerRepository {
  const getPostback = db.prepare<[string], PostbackRow>('SELECT * FROM postbacks WHERE id = ?');
  const getConversion = db.prepare<[string], ConversionRow>('SELECT * FROM conversions WHERE id = ?');
  const deleteConversion = db.prepare('DELETE FROM conversions WHERE id = ?');
  const updateOutcome = db.prepare(
    'UPDATE postbacks SET outcome = @outcome, conversion_id = @conversion_id, detail = @detail WHERE id = @id',
  );

  const countable = (row: ConversionRow): Countable => ({ ...row, click: { ...row, subs: subsOf(row) } });
  const writer: ProjectionWriter = {
    conversions(list) {
      const changes: ConversionChange[] = [];
      for (const [id, record] of list) {
        const before = getConversion.get(id);
        if (record) upsert('conversions', { ...conversionToRow(record) });
        else if (before) deleteConversion.run(id);
        changes.push({ before: before ? countable(before) : null, after: record });
      }
      rollups.conversions(conversionDeltas(changes));
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
  };
}
