import mongoose from 'mongoose';
import type { LedgerEntry } from '../../domain/duplicate-policy.js';
import type { Click, Conversion, PostbackLogEntry } from '../../domain/entities.js';
import type { Cursor, Page, PageQuery, Projection, SettingsRepo, Store } from '../store.js';
import { aggregate } from './aggregate.js';
import { registerModels, type Doc, type Models } from './models.js';

const fromDoc = <T>({ _id, ...rest }: Doc, idField: string): T => ({ [idField]: _id, ...rest }) as T;
const isDuplicateKey = (err: unknown): boolean => (err as { code?: number }).code === 11000;

/**
 * The production store. Kept thin on purpose: the same contract suite as SQLite
 * covers it, and the duplicate logic lives above the port.
 */
export async function createMongoStore(url: string): Promise<Store> {
  const connection = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000 }).asPromise();
  const models = registerModels(connection);
  await Promise.all(Object.values(models).map((model) => model.createIndexes()));
  const { Click: clicks, Conversion: conversions, Postback: postbacks, Ledger: ledgers } = collections(models);

  async function writeProjection({ conversions: desired, removedConversionIds, logUpdates, entry }: Projection): Promise<void> {
    if (desired.length) {
      await conversions.bulkWrite(desired.map(({ id, ...c }) => ({ replaceOne: { filter: { _id: id }, replacement: c, upsert: true } })));
    }
    if (removedConversionIds.length) await conversions.deleteMany({ _id: { $in: removedConversionIds } });
    for (const { id, ...update } of logUpdates) await postbacks.updateOne({ _id: id }, { $set: update });
    const { id, ...log } = entry;
    await postbacks.replaceOne({ _id: id }, log, { upsert: true });
  }

  async function page<T>(collection: mongoose.mongo.Collection<Doc>, time: string, filter: Record<string, unknown>, query: PageQuery, idField: string): Promise<Page<T>> {
    const clauses: Record<string, unknown>[] = [filter];
    if (query.cursor) clauses.push({ $or: [{ [time]: { $lt: query.cursor.t } }, { [time]: query.cursor.t, _id: { $lt: query.cursor.id } }] });
    const docs = await collection.find({ $and: clauses }).sort({ [time]: -1, _id: -1 }).limit(query.limit + 1).toArray();
    const last = docs[query.limit - 1];
    const next: Cursor | null = docs.length > query.limit && last ? { t: Number(last[time]), id: last._id } : null;
    return { items: docs.slice(0, query.limit).map((doc) => fromDoc<T>(doc, idField)), next };
  }

  return {
    kind: 'mongo',
    offerSources: settingsRepo(models, 'offer_source'),
    offers: settingsRepo(models, 'offer'),
    trafficChannels: settingsRepo(models, 'traffic_channel'),
    campaigns: settingsRepo(models, 'campaign'),
    conversionTypes: settingsRepo(models, 'conversion_type'),

    insertClick: async ({ clickid, ...rest }: Click) => {
      await clicks.updateOne({ _id: clickid }, { $setOnInsert: rest }, { upsert: true });
    },
    getClick: async (clickid) => {
      const doc = await clicks.findOne({ _id: clickid });
      return doc ? fromDoc<Click>(doc, 'clickid') : null;
    },
    getPostback: async (id) => {
      const doc = await postbacks.findOne({ _id: id });
      return doc ? fromDoc<PostbackLogEntry>(doc, 'id') : null;
    },
    logRejected: async (entry) => {
      const { id, ...log } = entry;
      // Replaces an earlier rejection (a replay) but never an applied outcome.
      const written = await ignoreDuplicate(postbacks.replaceOne({ _id: id, outcome: 'rejected' }, log, { upsert: true }));
      if (written) return entry;
      const stored = await postbacks.findOne({ _id: id });
      return stored ? fromDoc<PostbackLogEntry>(stored, 'id') : entry;
    },
    loadLedger: async (key) => {
      const doc = await ledgers.findOne({ _id: key });
      return doc ? { key, version: doc.version as number, entries: doc.entries as LedgerEntry[] } : { key, version: 0, entries: [] };
    },
    commitLedger: async (key, expectedVersion, entries, projection) => {
      // No multi-document transaction: the compare-and-set on the ledger decides, and
      // the projection after it is idempotent, repaired by the job's retry if cut short.
      const won =
        expectedVersion === 0
          ? await ignoreDuplicate(ledgers.insertOne({ _id: key, version: 1, entries }))
          : (await ledgers.updateOne({ _id: key, version: expectedVersion }, { $set: { entries, version: expectedVersion + 1 } })).modifiedCount === 1;
      if (won) await writeProjection(projection);
      return won;
    },
    writeProjection,

    listConversions: async ({ campaign_id, offer_source_id, from, to, ...rest }, query) =>
      page<Conversion>(conversions, 'created_at', definedOnly({ ...rest, 'click.campaign_id': campaign_id, 'click.offer_source_id': offer_source_id, created_at: timeRange(from, to) }), query, 'id'),
    listPostbacks: async ({ from, to, ...rest }, query) => page<PostbackLogEntry>(postbacks, 'received_at', definedOnly({ ...rest, received_at: timeRange(from, to) }), query, 'id'),

    aggregateClicks: async (groupBy, range, filters) => aggregate(clicks, 'clicks', groupBy, range, filters),
    aggregateConversions: async (groupBy, range, filters) => aggregate(conversions, 'conversions', groupBy, range, filters),

    ping: async () => {
      await connection.db?.admin().ping();
    },
    close: async () => {
      await connection.close();
    },
  };
}

function collections(models: Models) {
  return {
    Click: models.Click.collection as unknown as mongoose.mongo.Collection<Doc>,
    Conversion: models.Conversion.collection as unknown as mongoose.mongo.Collection<Doc>,
    Postback: models.Postback.collection as unknown as mongoose.mongo.Collection<Doc>,
    Ledger: models.Ledger.collection as unknown as mongoose.mongo.Collection<Doc>,
  };
}

function settingsRepo<T extends object>(models: Models, kind: string): SettingsRepo<T> {
  const collection = models.Setting.collection;
  return {
    list: async () => (await collection.find({ kind }).sort({ key: 1 }).toArray()).map((d) => d.doc as T),
    get: async (key) => ((await collection.findOne({ kind, key }))?.doc as T | undefined) ?? null,
    put: async (key, record) => {
      await collection.updateOne({ kind, key }, { $set: { doc: record } }, { upsert: true });
    },
    delete: async (key) => (await collection.deleteOne({ kind, key })).deletedCount > 0,
  };
}

function timeRange(from: number | undefined, to: number | undefined): Record<string, number> | undefined {
  if (from === undefined && to === undefined) return undefined;
  return { ...(from === undefined ? {} : { $gte: from }), ...(to === undefined ? {} : { $lt: to }) };
}

function definedOnly(filter: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
}

/** True when written, false when the unique key says it was written before. */
async function ignoreDuplicate(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

