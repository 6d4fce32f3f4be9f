import mongoose from 'mongoose';
import { StartupError } from '../../lifecycle/run-service.js';
import { clicksKeptFrom, createMongoRetention } from './retention.js';
import { planAggregate } from '../rollup-plan.js';
import type { AggregateOptions, Dimension, Filters, SettingsRepo, Store, TimeRange } from '../store.js';
import { aggregate } from './aggregate.js';
import { createMongoClicks } from './clicks.js';
import type { MongoContext, Session } from './common.js';
import { createMongoConversions } from './conversions.js';
import { createMongoCosts } from './costs.js';
import { createMongoDeliveries } from './deliveries.js';
import { registerModels, type Doc, type Models } from './models.js';
import { runMongoMigrations } from './migrations.js';
import { createMongoPostbackLog } from './postback-log.js';
import { createMongoRollups } from './rollups.js';

/**
 * The production store. Kept thin on purpose: the same contract suite as SQLite covers
 * it, and the duplicate logic, the cost and rollup planners live above the port. One
 * repository per aggregate, each in its own file, composed here. It needs a replica set
 * (one node is enough): every write is one transaction. A standalone server is refused
 * at start.
 */
export async function createMongoStore(url: string): Promise<Store> {
  // ignoreUndefined: a field left undefined is not stored, and reads back absent, as on SQLite (not null).
  // useBigInt64: int64 values (money counters and sums) read back as bigint, exact past 2^53.
  const connection = await mongoose
    .createConnection(url, { serverSelectionTimeoutMS: 5000, ignoreUndefined: true, useBigInt64: true })
    .asPromise();
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
  const rollups = createMongoRollups(db);
  await runMongoMigrations(db, [
    {
      version: 1,
      name: 'rollups built from the raw collections',
      up: async () => {
        if (await rollups.built()) return;
        // A new database has nothing to count: its rollups start empty and writes keep them (no $out, renames or index builds).
        const empty = await Promise.all(
          ['clicks', 'conversions'].map(async (name) => (await db.collection(name).estimatedDocumentCount()) === 0),
        );
        if (empty.every(Boolean)) await rollups.markBuilt();
        else await rollups.rebuild();
      },
    },
  ]);
  await rollups.ensureIndexes();
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
  // mongoose declares the indexes (models.ts); the repositories use the driver's collections of the same names.
  const collection = (name: 'clicks' | 'conversions' | 'test_conversions' | 'postbacks') => db.collection<Doc>(name);
  const context: MongoContext = {
    db,
    clicks: collection('clicks'),
    conversions: collection('conversions'),
    testConversions: collection('test_conversions'),
    postbacks: collection('postbacks'),
    rollups,
    inTransaction,
  };
  const postbackLog = await createMongoPostbackLog(context);
  const { bumpSettings, writer, ...ledgers } = postbackLog;
  const aggregateFrom =
    (of: 'clicks' | 'conversions') =>
    async (groupBy: readonly Dimension[], range: TimeRange, filters: Filters, options: AggregateOptions = {}) =>
      planAggregate(of, groupBy, range, filters, { ...options, rawClicksFrom: of === 'clicks' ? await clicksKeptFrom(db) : null }, (q) =>
        q.grain === 'raw'
          ? aggregate(context[of], of, q.groupBy, q.range, q.filters, q.offsets)
          : rollups.query(of, q.grain, q.groupBy, q.range, q.filters, q.sub, q.offsets),
      );

  return {
    kind: 'mongo',
    offerSources: settingsRepo(models, 'offer_source', bumpSettings, inTransaction),
    offers: settingsRepo(models, 'offer', bumpSettings, inTransaction),
    trafficChannels: settingsRepo(models, 'traffic_channel', bumpSettings, inTransaction),
    campaigns: settingsRepo(models, 'campaign', bumpSettings, inTransaction),
    conversionTypes: settingsRepo(models, 'conversion_type', bumpSettings, inTransaction),
    fxRates: settingsRepo(models, 'fx_rates', bumpSettings, inTransaction),
    ...createMongoClicks(context),
    ...ledgers,
    ...createMongoConversions(context, writer),
    ...(await createMongoCosts(context)),
    ...(await createMongoDeliveries(context)),
    ...createMongoRetention(db),
    aggregateClicks: aggregateFrom('clicks'),
    aggregateConversions: aggregateFrom('conversions'),
    ping: async () => {
      await db.admin().ping();
    },
    close: async () => {
      await connection.close();
    },
  };
}

/**
 * Settings as documents. A change and the settings version it moves are one
 * transaction (as on SQLite), so a commit that read the version in its snapshot read
 * the settings that go with it.
 */
function settingsRepo<T extends object>(
  models: Models,
  kind: string,
  bump: (session: Session) => Promise<void>,
  inTransaction: <R>(work: (session: Session) => Promise<R>) => Promise<R>,
): SettingsRepo<T> {
  const settings = models.Setting.collection;
  return {
    list: async () => (await settings.find({ kind }).sort({ key: 1 }).toArray()).map((d) => d.doc as T),
    get: async (key) => ((await settings.findOne({ kind, key }))?.doc as T | undefined) ?? null,
    put: (key, record) =>
      inTransaction(async (session) => {
        await settings.updateOne({ kind, key }, { $set: { doc: record } }, { upsert: true, session });
        await bump(session);
      }),
    delete: (key) =>
      inTransaction(async (session) => {
        const deleted = (await settings.deleteOne({ kind, key }, { session })).deletedCount > 0;
        if (deleted) await bump(session);
        return deleted;
      }),
  };
}
