import mongoose from 'mongoose';
import { StartupError } from '../../lifecycle/run-service.js';
import type { CostRecord } from '../../domain/costs.js';
import type { Click, Conversion, ConversionRecord, PostbackLogEntry } from '../../domain/entities.js';
import type { Delivery } from '../../domain/outbound.js';
import { conversionDeltas, type ConversionChange } from '../rollup-deltas.js';
import { planAggregate } from '../rollup-plan.js';
import type { Cursor, Dimension, Filters, Page, PageQuery, Projection, SettingsRepo, Store, TimeRange } from '../store.js';
import { aggregate } from './aggregate.js';
import { registerModels, type Doc, type Models } from './models.js';
import { createMongoCosts } from './costs.js';
import { createMongoRollups } from './rollups.js';
import { createMongoLedgers, type MongoProjectionWriter } from './ledgers.js';

type Session = mongoose.mongo.ClientSession | undefined;

// A document is untyped at this boundary: the caller names what the collection holds.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- see above
const fromDoc = <T>({ _id, ...rest }: Doc, idField: string): T => ({ [idField]: _id, ...rest }) as T;
/** A record as a document: its id is `_id`. */
const withoutId = <T extends { id: string }>({ id: _id, ...rest }: T): Omit<T, 'id'> => rest;
const isDuplicateKey = (err: unknown): boolean => (err as { code?: number }).code === 11000;

/**
 * The production store. Kept thin on purpose: the same contract suite as SQLite
 * covers it, and the duplicate logic, the cost and rollup planners live above the
 * port. It needs a replica set (one node is enough): ledger, projection and rollups
 * are written in one transaction. A standalone server is refused at start.
 */
export async function createMongoStore(url: string): Promise<Store> {
  const connection = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5000 }).asPromise();
  // Transactions need a replica set; without one the rollups could not stay exact.
  const hello = (await connection.db?.admin().command({ hello: 1 })) as { setName?: string } | undefined;
  if (!hello?.setName || !connection.db) {
    await connection.close();
    throw new StartupError(
      'MONGO_URL points at a standalone MongoDB server; convtrack needs a replica set for its transactions (one node is enough: mongod --replSet rs0, then rs.initiate())',
    );
  }
  const db = connection.db;
  const models = registerModels(connection);
  await Promise.all(Object.values(models).map((model) => model.createIndexes()));
  const { Click: clicks, Conversion: conversions, Postback: postbacks } = collections(models);

  const rollups = createMongoRollups(db);
  if (!(await rollups.built())) await rollups.rebuild();
  const inTransaction = async <T>(work: (session: Session) => Promise<T>): Promise<T> => {
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

  // The rollups move by the difference between each conversion's stored and new version (conversionDeltas).
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
  async function project({ conversions: desired, removedConversionIds, logUpdates, entry }: Projection, session: Session): Promise<void> {
    await writer.conversions(
      [...desired.map((c) => [c.id, c] as const), ...removedConversionIds.map((id) => [id, null] as const)],
      session,
    );
    for (const update of logUpdates) await writer.logUpdate(update, session);
    await writer.entry(entry, session);
  }
  const ledgers = createMongoLedgers(db, writer, inTransaction);
  await ledgers.prepare();
  // postback_ids of conversions, from the log: every applied postback names its conversion.
  const withPostbackIds = async (docs: Doc[]): Promise<Conversion[]> => {
    const applied = await postbacks
      .find(
        { conversion_id: { $in: docs.map((d) => d._id) }, outcome: { $in: ['recorded', 'updated', 'incremented'] } },
        { projection: { _id: 1, conversion_id: 1 } },
      )
      .sort({ _id: 1 })
      .toArray();
    return docs.map((doc) => ({
      ...fromDoc<ConversionRecord>(doc, 'id'),
      postback_ids: applied.filter((p) => p.conversion_id === doc._id).map((p) => p._id),
    }));
  };
  const costs = createMongoCosts(db, clicks, rollups, inTransaction);
  await costs.ensureIndexes();
  const deliveries = db.collection<{
    _id: string;
    conversion_id: string;
    channel_id: string;
    state: string;
    created_at: number;
    doc: Delivery;
  }>('deliveries');
  await deliveries.createIndex({ created_at: -1, _id: -1 }, {}, {});
  await deliveries.createIndex({ conversion_id: 1 }, {}, {});
  const deliveryDoc = (d: Delivery) => ({
    conversion_id: d.conversion_id,
    channel_id: d.channel_id,
    state: d.state,
    created_at: d.created_at,
    doc: d,
  });

  const insertClicks = (batch: readonly Click[]): Promise<void> =>
    inTransaction(async (session) => {
      for (const click of batch) {
        const { clickid, ...rest } = click;
        const result = await clicks.updateOne({ _id: clickid }, { $setOnInsert: rest }, { upsert: true, session });
        if (result.upsertedCount === 1) await rollups.click(click, session);
      }
    });
  const writeProjection = (projection: Projection): Promise<void> => inTransaction((session) => project(projection, session));
  const aggregateFrom =
    (collection: mongoose.mongo.Collection<Doc>, of: 'clicks' | 'conversions') =>
    (groupBy: readonly Dimension[], range: TimeRange, filters: Filters, options: { distinctClicks?: boolean } = {}) =>
      planAggregate(of, groupBy, range, filters, options, (grain, part) =>
        grain === 'raw' ? aggregate(collection, of, groupBy, part, filters) : rollups.query(of, grain, groupBy, part, filters),
      );

  async function page<T>(
    collection: mongoose.mongo.Collection<Doc>,
    time: string,
    filter: Record<string, unknown>,
    query: PageQuery,
    idField: string,
  ): Promise<Page<T>> {
    const clauses: Record<string, unknown>[] = [filter];
    if (query.cursor)
      clauses.push({ $or: [{ [time]: { $lt: query.cursor.t } }, { [time]: query.cursor.t, _id: { $lt: query.cursor.id } }] });
    const docs = await collection
      .find({ $and: clauses })
      .sort({ [time]: -1, _id: -1 })
      .limit(query.limit + 1)
      .toArray();
    const last = docs[query.limit - 1];
    const next: Cursor | null = docs.length > query.limit && last ? { t: Number(last[time]), id: last._id } : null;
    return { items: docs.slice(0, query.limit).map((doc) => fromDoc<T>(doc, idField)), next };
  }

  return {
    kind: 'mongo',
    offerSources: settingsRepo(models, 'offer_source', ledgers.bumpSettings),
    offers: settingsRepo(models, 'offer', ledgers.bumpSettings),
    trafficChannels: settingsRepo(models, 'traffic_channel', ledgers.bumpSettings),
    campaigns: settingsRepo(models, 'campaign', ledgers.bumpSettings),
    conversionTypes: settingsRepo(models, 'conversion_type', ledgers.bumpSettings),
    fxRates: settingsRepo(models, 'fx_rates', ledgers.bumpSettings),

    insertClick: (click: Click) => insertClicks([click]),
    insertClicks,
    getClick: async (clickid) => {
      const doc = await clicks.findOne({ _id: clickid });
      return doc ? fromDoc<Click>(doc, 'clickid') : null;
    },
    getPostback: async (id) => {
      const doc = await postbacks.findOne({ _id: id });
      return doc ? fromDoc<PostbackLogEntry>(doc, 'id') : null;
    },
    getPostbacks: async (ids) =>
      new Map((await postbacks.find({ _id: { $in: [...ids] } }).toArray()).map((doc) => [doc._id, fromDoc<PostbackLogEntry>(doc, 'id')])),
    getClicks: async (clickids) =>
      new Map((await clicks.find({ _id: { $in: [...clickids] } }).toArray()).map((doc) => [doc._id, fromDoc<Click>(doc, 'clickid')])),
    logRejected: async (entry) => {
      await writer.rejected(entry, undefined);
      const stored = await postbacks.findOne({ _id: entry.id });
      return stored ? fromDoc<PostbackLogEntry>(stored, 'id') : entry;
    },
    settingsVersion: () => ledgers.settingsVersion(),
    loadLedgerHeads: (keys) => ledgers.heads(keys),
    loadLedgerSuffix: (key, fromId) => ledgers.suffix(key, fromId),
    commitLedgers: (commits, rejected, settingsVersion) => ledgers.commit(commits, rejected, settingsVersion),
    writeProjection,

    getConversion: async (id) => {
      const doc = await conversions.findOne({ _id: id });
      return doc ? ((await withPostbackIds([doc]))[0] ?? null) : null;
    },

    applyCost: (job, now) => costs.apply(job, now),
    getCost: (id) => costs.get(id),
    listCosts: async (filter, query) =>
      unwrap(
        await page<{ doc: CostRecord }>(
          costs.records as unknown as mongoose.mongo.Collection<Doc>,
          'requested_at',
          definedOnly({ ...filter }),
          query,
          '_id',
        ),
      ),

    createDelivery: async (delivery) => {
      await deliveries.updateOne({ _id: delivery.id }, { $setOnInsert: deliveryDoc(delivery) }, { upsert: true });
      return (await deliveries.findOne({ _id: delivery.id }))?.doc ?? delivery;
    },
    getDelivery: async (id) => (await deliveries.findOne({ _id: id }))?.doc ?? null,
    updateDelivery: async (delivery) => {
      await deliveries.replaceOne({ _id: delivery.id }, deliveryDoc(delivery), { upsert: true });
    },
    listDeliveries: async ({ from, to, ...rest }, query) =>
      unwrap(
        await page<{ doc: Delivery }>(
          deliveries as unknown as mongoose.mongo.Collection<Doc>,
          'created_at',
          definedOnly({ ...rest, created_at: timeRange(from, to) }),
          query,
          '_id',
        ),
      ),

    listConversions: async ({ campaign_id, offer_source_id, from, to, ...rest }, query) => {
      const found = await page<Doc>(
        conversions,
        'created_at',
        definedOnly({
          ...rest,
          'click.campaign_id': campaign_id,
          'click.offer_source_id': offer_source_id,
          created_at: timeRange(from, to),
        }),
        query,
        '_id',
      );
      return { items: await withPostbackIds(found.items), next: found.next };
    },
    listPostbacks: async ({ from, to, ...rest }, query) =>
      page<PostbackLogEntry>(postbacks, 'received_at', definedOnly({ ...rest, received_at: timeRange(from, to) }), query, 'id'),

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
  };
}

/** Settings as documents; each change moves the settings version after it is written, so caches reload. */
function settingsRepo<T extends object>(models: Models, kind: string, bump: () => Promise<void>): SettingsRepo<T> {
  const collection = models.Setting.collection;
  return {
    list: async () => (await collection.find({ kind }).sort({ key: 1 }).toArray()).map((d) => d.doc as T),
    get: async (key) => ((await collection.findOne({ kind, key }))?.doc as T | undefined) ?? null,
    put: async (key, record) => {
      await collection.updateOne({ kind, key }, { $set: { doc: record } }, { upsert: true });
      await bump();
    },
    delete: async (key) => {
      const deleted = (await collection.deleteOne({ kind, key })).deletedCount > 0;
      if (deleted) await bump();
      return deleted;
    },
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
