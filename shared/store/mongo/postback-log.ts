import type { ConversionRecord, PostbackLogEntry } from '../../domain/entities.js';
import { conversionDeltas, type ConversionChange } from '../rollup-deltas.js';
import type { LedgerRepository, Projection } from '../store.js';
import { fromDoc, ignoreDuplicate, page, timeRange, withoutId, type MongoContext, type Session } from './common.js';
import { createMongoLedgers, type MongoProjectionWriter } from './ledgers.js';
import type { Doc } from './models.js';

/**
 * The ledgers and what their commits write: conversions (with the rollups moved by
 * `conversionDeltas`) and the postback log, in the commit's transaction. Also the
 * settings version the ledgers keep, which `bumpSettings` moves.
 */
export async function createMongoPostbackLog(context: MongoContext): Promise<LedgerRepository & { bumpSettings: () => Promise<void> }> {
  const { db, conversions, postbacks, rollups, inTransaction } = context;
  const writer: MongoProjectionWriter = {
    async conversions(list, session) {
      const changes: ConversionChange[] = [];
      for (const [id, record] of list) {
        const stored = record
          ? await conversions.findOneAndReplace({ _id: id }, withoutId(record), { upsert: true, session })
          : await conversions.findOneAndDelete({ _id: id }, { session });
        changes.push({ before: stored ? fromDoc<ConversionRecord>(stored, 'id') : null, after: record });
      }
      await rollups.conversions(conversionDeltas(changes), session);
    },
    async entry({ id, ...log }, session) {
      await postbacks.replaceOne({ _id: id }, log, { upsert: true, session });
    },
    async logUpdate({ id, ...update }, session) {
      await postbacks.updateOne({ _id: id }, { $set: update }, { session });
    },
    async rejected({ id, ...log }, session) {
      // Replaces an earlier rejection (a replay) but never an applied outcome.
      await ignoreDuplicate(postbacks.replaceOne({ _id: id, outcome: 'rejected' }, log, { upsert: true, session }));
    },
  };
  const project = async ({ conversions: desired, removedConversionIds, logUpdates, entry }: Projection, session: Session) => {
    await writer.conversions(
      [...desired.map((c) => [c.id, c] as const), ...removedConversionIds.map((id) => [id, null] as const)],
      session,
    );
    for (const update of logUpdates) await writer.logUpdate(update, session);
    await writer.entry(entry, session);
  };
  const ledgers = createMongoLedgers(db, writer, inTransaction);
  await ledgers.prepare();

  return {
    getPostback: async (id) => {
      const doc = await postbacks.findOne({ _id: id });
      return doc ? fromDoc<PostbackLogEntry>(doc, 'id') : null;
    },
    getPostbacks: async (ids) =>
      new Map((await postbacks.find({ _id: { $in: [...ids] } }).toArray()).map((doc) => [doc._id, fromDoc<PostbackLogEntry>(doc, 'id')])),
    listPostbacks: async ({ from, to, ...rest }, query) =>
      page<PostbackLogEntry, Doc>(postbacks, 'received_at', { ...rest, received_at: timeRange(from, to) }, query, 'id'),
    logRejected: async (entry) => {
      await writer.rejected(entry, undefined);
      const stored = await postbacks.findOne({ _id: entry.id });
      return stored ? fromDoc<PostbackLogEntry>(stored, 'id') : entry;
    },
    settingsVersion: () => ledgers.settingsVersion(),
    bumpSettings: () => ledgers.bumpSettings(),
    loadLedgerHeads: (keys) => ledgers.heads(keys),
    loadLedgerSuffix: (key, fromId) => ledgers.suffix(key, fromId),
    commitLedgers: (commits, rejected, settingsVersion) => ledgers.commit(commits, rejected, settingsVersion),
    writeProjection: (projection) => inTransaction((session) => project(projection, session)),
  };
}
