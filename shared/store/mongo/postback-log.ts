import type { ConversionRecord, PostbackLogEntry, RawParams, Reversal } from '../../domain/entities.js';
import { keepReversal, replacementKey, reportStatus } from '../../domain/reversal.js';
import { conversionDeltas, type ConversionChange, type Countable } from '../rollup-deltas.js';
import type { LedgerRepository, Projection } from '../store.js';
import { fromDoc, page, timeRange, toConversionDoc, type MongoContext, type Session } from './common.js';
import { createMongoLedgers, type MongoProjectionWriter } from './ledgers.js';
import type { Doc } from './models.js';

/** A log entry as stored; one from before test postbacks is a real one. */
const entryOf = (doc: Doc): PostbackLogEntry => {
  const entry = fromDoc<PostbackLogEntry>(doc, 'id');
  return { ...entry, raw: rawFromDoc(doc.raw), test: doc.test === true };
};

/**
 * The parameters as received, stored as `[name, value]` pairs: a name from the internet
 * (`$ref`, `a.b`) never becomes a field name, which the server may refuse and fail the
 * whole batch with. Entries stored before were objects, and read as they are.
 */
const rawToDoc = (raw: RawParams): Array<[string, string | string[]]> => Object.entries(raw);
const rawFromDoc = (raw: unknown): RawParams =>
  Array.isArray(raw) ? Object.fromEntries<string | string[]>(raw as Array<[string, string | string[]]>) : ((raw ?? {}) as RawParams);

/**
 * The ledgers and what their commits write: conversions (with the rollups moved by
 * `conversionDeltas`) and the postback log, in the commit's transaction. Also the
 * settings version the ledgers keep, which `bumpSettings` moves.
 */
export async function createMongoPostbackLog(
  context: MongoContext,
): Promise<LedgerRepository & { bumpSettings: (session: Session) => Promise<void>; writer: MongoProjectionWriter }> {
  const { db, conversions, testConversions, postbacks, rollups, inTransaction } = context;
  const writer: MongoProjectionWriter = {
    async conversions(list, session) {
      const changes: ConversionChange[] = [];
      const kept = new Map<string, ConversionRecord>();
      // A re-fold may replace a key's conversion: its reversal goes to the replacement (see replacementKey).
      const moved = new Map<string, Reversal>();
      for (const [id, given] of list) {
        if (given) continue;
        const gone = (await conversions.findOne({ _id: id }, { session })) ?? (await testConversions.findOne({ _id: id }, { session }));
        if (gone?.reversal) moved.set(replacementKey(gone as unknown as ConversionRecord), gone.reversal as Reversal);
      }
      for (const [id, given] of list) {
        const collection = given?.test ? testConversions : conversions;
        const before = await collection.findOne({ _id: id }, { session });
        const stored = before
          ? ((before.reversal as Reversal | null | undefined) ?? null)
          : given && (moved.get(replacementKey(given)) ?? null);
        const record = given && keepReversal(given, stored ?? null);
        if (record && record !== given) kept.set(id, record);
        if (record) await collection.replaceOne({ _id: id }, toConversionDoc(record), { upsert: true, session });
        else {
          await conversions.deleteOne({ _id: id }, { session });
          await testConversions.deleteOne({ _id: id }, { session });
        }
        // Test conversions are in no rollup.
        if (!given?.test) {
          const after = record && { ...record, status: reportStatus(record) };
          changes.push({ before: before ? fromDoc<Countable>(before, 'id') : null, after });
        }
      }
      await rollups.conversions(conversionDeltas(changes), session);
      return kept;
    },
    async entry({ id, ...log }, session) {
      await postbacks.replaceOne({ _id: id }, { ...log, raw: rawToDoc(log.raw) }, { upsert: true, session });
    },
    async logUpdate({ id, ...update }, session) {
      await postbacks.updateOne({ _id: id }, { $set: update }, { session });
    },
    async rejected({ id, ...log }, session) {
      // Replaces an earlier rejection (a replay) but never an applied outcome. Read, then write: a
      // duplicate-key error inside a transaction aborts it on the server, however it is caught.
      const earlier = await postbacks.findOne({ _id: id }, { projection: { outcome: 1 }, session });
      if (earlier && earlier.outcome !== 'rejected') return;
      await postbacks.replaceOne({ _id: id }, { ...log, raw: rawToDoc(log.raw) }, { upsert: true, session });
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
    writer,
    getPostback: async (id) => {
      const doc = await postbacks.findOne({ _id: id });
      return doc ? entryOf(doc) : null;
    },
    getPostbacks: async (ids) =>
      new Map((await postbacks.find({ _id: { $in: [...ids] } }).toArray()).map((doc) => [doc._id, entryOf(doc)])),
    // Entries from before test postbacks have no `test`: they are real ones.
    listPostbacks: async ({ from, to, test, ...rest }, query) => {
      const found = await page<PostbackLogEntry, Doc>(
        postbacks,
        'received_at',
        { ...rest, ...(test === undefined ? {} : { test: test ? true : { $ne: true } }), received_at: timeRange(from, to) },
        query,
        'id',
      );
      return {
        ...found,
        items: found.items.map((entry) => ({ ...entry, raw: rawFromDoc(entry.raw), test: (entry as { test?: boolean }).test === true })),
      };
    },
    logRejected: async (entry) => {
      await writer.rejected(entry, undefined);
      const stored = await postbacks.findOne({ _id: entry.id });
      return stored ? entryOf(stored) : entry;
    },
    settingsVersion: () => ledgers.settingsVersion(),
    bumpSettings: (session) => ledgers.bumpSettings(session),
    loadLedgerHeads: (keys) => ledgers.heads(keys),
    loadLedgerSuffix: (key, fromId) => ledgers.suffix(key, fromId),
    commitLedgers: (commits, rejected, settingsVersion) => ledgers.commit(commits, rejected, settingsVersion),
    writeProjection: (projection) => inTransaction((session) => project(projection, session)),
  };
}
