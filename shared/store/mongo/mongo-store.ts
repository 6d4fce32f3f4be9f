import mongoose from 'mongoose';
import type { LedgerEntry } from '../../domain/duplicate-policy.js';
import type { CostRecord } from '../../domain/costs.js';
import type { Click, Conversion, PostbackLogEntry } from '../../domain/entities.js';
import type { Delivery } from '../../domain/outbound.js';
import { planAggregate } from '../rollup-plan.js';
import type { Cursor, Dimension, Filters, Page, PageQuery, Projection, SettingsRepo, Store, TimeRange } from '../store.js';
import { aggregate } from './aggregate.js';
import { registerModels, type Doc, type Models } from './models.js';
import { createMongoCosts } from './costs.js';
import { createMongoRollups } from './rollups.js';

type Session = mongoose.mongo.ClientSession | undefined;

const fromDoc = <T>({ _id, ...rest }: Doc, idField: string): T => ({ [idField]: _id, ...rest }) as T;
const isDuplicateKey = (err: unknown): boolean => (err as { code?: number }).code === 11000;

/**
 * The production store. Kept thin on purpose: the same contract suite as SQLite
 * covers it, and the duplicate logic and the rollup planner live above the port. On
 * a replica set it writes ledger, projection and rollups in one transaction; on a
 * standalone server it keeps no rollups and relies on the ledger's compare-and-set.
 */
export async function createMongoStore(url: string): Promise<Store> {
  const connection = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000 }).asPromise();
  const models = registerModels(connection);
  await Promise.all(Object.values(models).map((model) => model.createIndexes()));
  const { Click: clicks, Conversion: conversions, Postback: postbacks, Ledger: ledgers } = collections(models);

  // Rollups need multi-document transactions, so a replica set (a single node is
  // enough). On a standalone server every aggregate reads the raw collections.
  const hello = (await connection.db?.admin().command({ hello: 1 })) as { setName?: string } | undefined;
  const rollups = hello?.setName && connection.db ? createMongoRollups(connection.db) : null;
  if (rollups && !(await rollups.built())) await rollups.rebuild();
  const inTransaction = async <T>(work: (session: Session) => Promise<T>): Promise<T> => {
    if (!rollups) return work(undefined);
    const session = await connection.startSession();
    try {
      let result: T | undefined;
      await session.withTransaction(async () => {
        result = await work(session);
      });
      return result as T;
    } finally {
      await session.endSession();
    }
  };

  /** Each changed conversion takes its stored version out of the rollups and puts the new one in. */
  async function project({ conversions: desired, removedConversionIds, logUpdates, entry }: Projection, session: Session): Promise<void> {
    for (const { id, ...c } of desired) {
      const before = rollups ? await conversions.findOne({ _id: id }, { session }) : null;
      if (rollups && before) await rollups.conversion(fromDoc<Conversion>(before, 'id'), -1, session);
      await conversions.replaceOne({ _id: id }, c, { upsert: true, session });
      if (rollups) await rollups.conversion({ id, ...c }, 1, session);
    }
    for (const id of removedConversionIds) {
      const before = await conversions.findOneAndDelete({ _id: id }, { session });
      if (rollups && before) await rollups.conversion(fromDoc<Conversion>(before, 'id'), -1, session);
    }
    for (const { id, ...update } of logUpdates) await postbacks.updateOne({ _id: id }, { $set: update }, { session });
    const { id, ...log } = entry;
    await postbacks.replaceOne({ _id: id }, log, { upsert: true, session });
  }
  const costs = createMongoCosts(connection.db as mongoose.mongo.Db, clicks, rollups, inTransaction);
  await costs.ensureIndexes();
  const deliveries = connection.db?.collection<{ _id: string; conversion_id: string; channel_id: string; state: string; created_at: number; doc: Delivery }>('deliveries');
  if (!deliveries) throw new Error('MongoDB connection has no database');
  await deliveries.createIndex({ created_at: -1, _id: -1 });
  await deliveries.createIndex({ conversion_id: 1 });
  const deliveryDoc = (d: Delivery) => ({ conversion_id: d.conversion_id, channel_id: d.channel_id, state: d.state, created_at: d.created_at, doc: d });

  const writeProjection = (projection: Projection): Promise<void> => inTransaction((session) => project(projection, session));
  const aggregateFrom = (collection: mongoose.mongo.Collection<Doc>, of: 'clicks' | 'conversions') =>
    (groupBy: readonly Dimension[], range: TimeRange, filters: Filters, options: { distinctClicks?: boolean } = {}) =>
      rollups
        ? planAggregate(of, groupBy, range, filters, options, (grain, part) => (grain === 'raw' ? aggregate(collection, of, groupBy, part, filters) : rollups.query(of, grain, groupBy, part, filters)))
        : aggregate(collection, of, groupBy, range, filters);

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
    fxRates: settingsRepo(models, 'fx_rates'),

    insertClick: async (click: Click) => {
      const { clickid, ...rest } = click;
      await inTransaction(async (session) => {
        const result = await clicks.updateOne({ _id: clickid }, { $setOnInsert: rest }, { upsert: true, session });
        if (rollups && result.upsertedCount === 1) await rollups.click(click, session);
      });
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
      if (rollups) {
        // Ledger, projection and rollups in one transaction; a concurrent commit makes
        // ours conflict and re-run, and then it sees the version has moved.
        try {
          return await inTransaction(async (session) => {
            const current = await ledgers.findOne({ _id: key }, { session });
            if (((current?.version as number | undefined) ?? 0) !== expectedVersion) return false;
            await ledgers.replaceOne({ _id: key }, { version: expectedVersion + 1, entries }, { upsert: true, session });
            await project(projection, session);
            return true;
          });
        } catch (err) {
          if (isDuplicateKey(err)) return false;
          throw err;
        }
      }
      // Standalone server: the compare-and-set on the ledger decides, and the projection
      // after it is idempotent, repaired by the job's retry if cut short.
      const won =
        expectedVersion === 0
          ? await ignoreDuplicate(ledgers.insertOne({ _id: key, version: 1, entries }))
          : (await ledgers.updateOne({ _id: key, version: expectedVersion }, { $set: { entries, version: expectedVersion + 1 } })).modifiedCount === 1;
      if (won) await writeProjection(projection);
      return won;
    },
    writeProjection,

    getConversion: async (id) => {
      const doc = await conversions.findOne({ _id: id });
      return doc ? fromDoc<Conversion>(doc, 'id') : null;
    },

    applyCost: (job, now) => costs.apply(job, now),
    getCost: (id) => costs.get(id),
    listCosts: async (filter, query) => unwrap(await page<{ doc: CostRecord }>(costs.records as unknown as mongoose.mongo.Collection<Doc>, 'requested_at', definedOnly({ ...filter }), query, '_id')),

    createDelivery: async (delivery) => {
      await deliveries.updateOne({ _id: delivery.id }, { $setOnInsert: deliveryDoc(delivery) }, { upsert: true });
      return ((await deliveries.findOne({ _id: delivery.id }))?.doc as Delivery | undefined) ?? delivery;
    },
    getDelivery: async (id) => (await deliveries.findOne({ _id: id }))?.doc ?? null,
    updateDelivery: async (delivery) => {
      await deliveries.replaceOne({ _id: delivery.id }, deliveryDoc(delivery), { upsert: true });
    },
    listDeliveries: async ({ from, to, ...rest }, query) =>
      unwrap(await page<{ doc: Delivery }>(deliveries as unknown as mongoose.mongo.Collection<Doc>, 'created_at', definedOnly({ ...rest, created_at: timeRange(from, to) }), query, '_id')),

    listConversions: async ({ campaign_id, offer_source_id, from, to, ...rest }, query) =>
      page<Conversion>(conversions, 'created_at', definedOnly({ ...rest, 'click.campaign_id': campaign_id, 'click.offer_source_id': offer_source_id, created_at: timeRange(from, to) }), query, 'id'),
    listPostbacks: async ({ from, to, ...rest }, query) => page<PostbackLogEntry>(postbacks, 'received_at', definedOnly({ ...rest, received_at: timeRange(from, to) }), query, 'id'),

    aggregateClicks: aggregateFrom(clicks, 'clicks'),
    aggregateConversions: aggregateFrom(conversions, 'conversions'),

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

/** Records kept whole under `doc`. */
function unwrap<T>(page: Page<{ doc: T }>): Page<T> {
  return { items: page.items.map((item) => item.doc), next: page.next };
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

