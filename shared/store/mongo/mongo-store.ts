import mongoose from 'mongoose';
import type { Click, Conversion, PostbackLogEntry } from '../../domain/entities.js';
import type { Cursor, Page, PageQuery, SettingsRepo, Store } from '../store.js';
import { aggregate } from './aggregate.js';
import { registerModels, type Doc, type Models } from './models.js';

const fromDoc = <T>({ _id, ...rest }: Doc, idField: string): T => ({ [idField]: _id, ...rest }) as T;
const isDuplicateKey = (err: unknown): boolean => (err as { code?: number }).code === 11000;

/**
 * The production store. Kept thin on purpose: the same contract suite as SQLite
 * covers it. No multi-document transaction is needed: the conversion's unique
 * `origin_postback_id` and the log's `_id` (the postback id) make a retried write
 * find what it wrote before.
 */
export async function createMongoStore(url: string): Promise<Store> {
  const connection = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000 }).asPromise();
  const models = registerModels(connection);
  await Promise.all(Object.values(models).map((model) => model.createIndexes()));
  const { Click: clicks, Conversion: conversions, Postback: postbacks } = collections(models);

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
    applyPostback: async (entry, effect) => {
      const earlier = await postbacks.findOne({ _id: entry.id });
      if (earlier) return { applied: false, entry: fromDoc<PostbackLogEntry>(earlier, 'id') };
      if (effect.kind === 'insert') {
        const { id, ...conversion }: Conversion = effect.conversion;
        await ignoreDuplicate(conversions.insertOne({ _id: id, ...conversion, origin_postback_id: entry.id }));
      }
      const { id, ...log } = entry;
      const inserted = await ignoreDuplicate(postbacks.insertOne({ _id: id, ...log }));
      if (inserted) return { applied: true, entry };
      const stored = await postbacks.findOne({ _id: entry.id });
      return { applied: false, entry: stored ? fromDoc<PostbackLogEntry>(stored, 'id') : entry };
    },

    listConversions: async (filter, query) => page<Conversion>(conversions, 'created_at', definedOnly({ ...filter }), query, 'id'),
    listPostbacks: async (filter, query) => page<PostbackLogEntry>(postbacks, 'received_at', definedOnly({ ...filter }), query, 'id'),

    aggregateClicks: async (groupBy, range) => aggregate(clicks, 'clicks', groupBy, range),
    aggregateConversions: async (groupBy, range) => aggregate(conversions, 'conversions', groupBy, range),

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

