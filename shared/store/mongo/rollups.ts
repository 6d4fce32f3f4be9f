import type mongoose from 'mongoose';
import type { SubCostDelta } from '../../domain/cost-plan.js';
import { DAY_MS, type OffsetSegment } from '../../domain/time-zone.js';
import { localDayExpression } from './aggregate.js';
import { type Click } from '../../domain/entities.js';
import { rolledNumber, rolledValues, type RolledKey } from '../../domain/rolled-keys.js';
import type { ConversionDelta } from '../rollup-deltas.js';
import type { Grain } from '../rollup-plan.js';
import { BUCKET_MS, type AggregateRow, type Dimension, type Filters, type TimeRange } from '../store.js';
import { rebuildAside } from './rollup-rebuild.js';
import { clicksKeptFrom } from './retention.js';

type Session = mongoose.mongo.ClientSession | undefined;
type RollDoc = { _id: Record<string, unknown>; n: number; revenue?: number; cost?: number };
type Placement = Pick<Click, 'campaign_id' | 'offer_id' | 'offer_source_id' | 'traffic_channel_id'>;

/** Report dimension → field of a rollup document's `_id`. */
const FIELDS: Partial<Record<Dimension, string>> = {
  bucket: 'bucket',
  campaign: 'campaign_id',
  offer: 'offer_id',
  offer_source: 'offer_source_id',
  traffic_channel: 'traffic_channel_id',
  type: 'type_key',
  status: 'status',
};

const placementOf = (p: Placement) => ({
  campaign_id: p.campaign_id,
  offer_id: p.offer_id,
  offer_source_id: p.offer_source_id,
  traffic_channel_id: p.traffic_channel_id,
});

/** `sub7` → 7, the `sub` field of the sub rollups' ids. */
// 2: the sub rollups. A store of an older version rebuilds them all when it starts.
const VERSION = '2';

/**
 * The MongoDB rollups: the same grains as SQLite's (15-minute buckets by type and
 * status; UTC days by placement, type and status; UTC days per sub by its value,
 * placement, type and status), as documents whose `_id` is the group. They are changed with `$inc` inside the transaction that writes the click or
 * conversion, so they stay exact; they need a replica set (transactions).
 */
/** How long a rebuild may hold its lease before another process may take over (a crashed rebuilder). */
const REBUILD_LEASE_MS = 30 * 60_000;
/** Counter documents per rollup row. */
const SHARDS = 8;

export function createMongoRollups(db: mongoose.mongo.Db) {
  const col = (name: string) => db.collection<RollDoc>(name);
  const [clickQ, clickD, convQ, convD, clickSD, convSD] = [
    col('roll_click_q'),
    col('roll_click_d'),
    col('roll_conv_q'),
    col('roll_conv_d'),
    col('roll_click_sd'),
    col('roll_conv_sd'),
  ];
  /**
   * Every write of a 15-minute bucket or a campaign-day would update the same counter
   * document, and concurrent transactions on one document conflict and retry. So each
   * write goes to one of `SHARDS` documents of its row (`s` in the `_id`); reads group
   * by the row's fields and sum the shards.
   */
  const sharded = (id: Record<string, unknown>): Record<string, unknown> => ({ ...id, s: Math.floor(Math.random() * SHARDS) });
  /**
   * Money counters move by 64-bit integers (bigint is written as BSON int64), so they
   * and their `$sum` stay exact past 2^53 micros, as SQLite's INTEGER columns do; counts
   * stay plain numbers.
   */
  const inc = (
    c: ReturnType<typeof col>,
    id: Record<string, unknown>,
    { n, ...money }: { n?: number; cost?: number; revenue?: number },
    session: Session,
  ) =>
    c.updateOne(
      { _id: id },
      { $inc: { ...(n === undefined ? {} : { n }), ...Object.fromEntries(Object.entries(money).map(([k, v]) => [k, BigInt(v)])) } },
      { upsert: true, session },
    );

  return {
    async click(click: Click, session: Session): Promise<void> {
      const day = Math.floor(click.ts / DAY_MS);
      await inc(clickQ, sharded({ bucket: Math.floor(click.ts / BUCKET_MS) }), { n: 1, cost: click.cost_micros }, session);
      await inc(clickD, sharded({ day, ...placementOf(click) }), { n: 1, cost: click.cost_micros }, session);
      for (const [key, value] of rolledValues(click))
        await inc(
          clickSD,
          sharded({ sub: rolledNumber(key), day, value, ...placementOf(click) }),
          { n: 1, cost: click.cost_micros },
          session,
        );
    },
    /** Moves sub rollup rows by a cost update's deltas. */
    async subCosts(deltas: readonly SubCostDelta[], session: Session): Promise<void> {
      for (const d of deltas)
        await inc(
          clickSD,
          sharded({ sub: rolledNumber(d.sub), day: d.day, value: d.value, ...placementOf(d) }),
          { cost: d.delta },
          session,
        );
    },
    /** Moves a click's cost by `delta` micros (a cost update). */
    async clickCost(click: Placement & Pick<Click, 'ts'>, delta: number, session: Session): Promise<void> {
      await inc(clickQ, sharded({ bucket: Math.floor(click.ts / BUCKET_MS) }), { cost: delta }, session);
      await inc(clickD, sharded({ day: Math.floor(click.ts / DAY_MS), ...placementOf(click) }), { cost: delta }, session);
    },
    /** Applies conversion rollup changes (`conversionDeltas`); a shard document left at zero is removed, as SQLite removes empty rows. */
    async conversions(deltas: readonly ConversionDelta[], session: Session): Promise<void> {
      for (const d of deltas) {
        const by = { n: d.n, revenue: d.revenue };
        const q = sharded({ bucket: d.bucket, type_key: d.type_key, status: d.status });
        const day = sharded({ day: d.day, ...placementOf(d), type_key: d.type_key, status: d.status });
        const subs = d.subs.map(([key, value]) =>
          sharded({ sub: rolledNumber(key), day: d.day, value, ...placementOf(d), type_key: d.type_key, status: d.status }),
        );
        await inc(convQ, q, by, session);
        await inc(convD, day, by, session);
        for (const id of subs) await inc(convSD, id, by, session);
        if (d.n < 0) {
          await convQ.deleteOne({ _id: q, n: 0, revenue: 0 }, { session });
          await convD.deleteOne({ _id: day, n: 0, revenue: 0 }, { session });
          for (const id of subs) await convSD.deleteOne({ _id: id, n: 0, revenue: 0 }, { session });
        }
      }
    },
    async query(
      of: 'clicks' | 'conversions',
      grain: Exclude<Grain, 'raw'>,
      groupBy: readonly Dimension[],
      range: TimeRange,
      filters: Filters,
      sub: RolledKey | null = null,
      offsets: readonly OffsetSegment[] = [],
    ): Promise<AggregateRow[]> {
      const collections = { bucket: [clickQ, convQ], day: [clickD, convD], subDay: [clickSD, convSD] } as const;
      const collection = collections[grain][of === 'clicks' ? 0 : 1];
      const [time, unit] = grain === 'bucket' ? ['_id.bucket', BUCKET_MS] : ['_id.day', DAY_MS];
      // In a sub rollup the sub's value is `value`, and `sub` says which sub the row counts.
      const fields: Partial<Record<Dimension, string>> = sub ? { ...FIELDS, [sub]: 'value' } : FIELDS;
      const match: Record<string, unknown> = sub ? { '_id.sub': rolledNumber(sub) } : {};
      if (range.from !== null || range.to !== null) {
        match[time] = {
          ...(range.from === null ? {} : { $gte: range.from / unit }),
          ...(range.to === null ? {} : { $lt: range.to / unit }),
        };
      }
      // A filter given as undefined is no filter; null matches the empty value.
      for (const [dim, value] of Object.entries(filters) as Array<[string, string | null | undefined]>) {
        if (value !== undefined) match[`_id.${fields[dim as Dimension] ?? dim}`] = dim === 'type' ? (value ?? '') : value;
      }
      const rows = await collection
        .aggregate<{ _id: Record<string, unknown>; n: number | bigint; revenue: number | bigint | null; cost: number | bigint | null }>([
          { $match: match },
          {
            $group: {
              _id: Object.fromEntries(
                groupBy.map((d, i) => [
                  `d${i}`,
                  d === 'day'
                    ? localDayExpression(
                        grain === 'bucket' ? { $multiply: ['$_id.bucket', BUCKET_MS] } : { $multiply: ['$_id.day', DAY_MS] },
                        offsets,
                      )
                    : `$_id.${fields[d] ?? d}`,
                ]),
              ),
              n: { $sum: '$n' },
              // As 64-bit integers: exact past 2^53 (counters written before as doubles convert exactly below it).
              revenue: { $sum: { $toLong: '$revenue' } },
              cost: { $sum: { $toLong: '$cost' } },
            },
          },
          ...(groupBy.length ? [{ $match: { $or: [{ n: { $ne: 0 } }, { cost: { $ne: 0 } }] } }] : []),
        ])
        .toArray();
      return rows.map((row) => ({
        key: Object.fromEntries(
          groupBy.map((d, i) => {
            const value = row._id[`d${i}`];
            return [
              d,
              typeof value === 'string' && !(d === 'type' && value === '')
                ? value
                : typeof value === 'number' || typeof value === 'bigint'
                  ? String(value)
                  : null,
            ];
          }),
        ),
        count: Number(row.n),
        revenueMicros: BigInt(row.revenue ?? 0),
        costMicros: BigInt(row.cost ?? 0),
        distinctClicks: 0,
      }));
    },
    /** Marks the rollups current without counting (a database with no clicks or conversions yet). */
    async markBuilt(): Promise<void> {
      await db
        .collection<{ _id: string; version?: string }>('meta')
        .updateOne({ _id: 'rollups' }, { $set: { version: VERSION } }, { upsert: true });
    },
    /**
     * Recomputes every rollup from the raw collections (a store from before rollups),
     * once: the first process to take the rebuild lease does it, the others wait until
     * it is done. Each rollup is built aside (`$out` to a new collection) and then
     * renamed over the old one, so a reader never sees a half-built rollup, and a
     * crash leaves the store marked unbuilt, to be rebuilt at the next start.
     */
    async rebuild(): Promise<void> {
      const meta = db.collection<{ _id: string; version?: string; holder?: string; until?: number }>('meta');
      const holder = `${process.pid}-${Math.random().toString(36).slice(2)}`;
      for (;;) {
        if (await this.built()) return;
        const now = Date.now();
        try {
          const taken = await meta.findOneAndUpdate(
            { _id: 'rollups_rebuild', $or: [{ until: { $lt: now } }, { until: { $exists: false } }] },
            { $set: { holder, until: now + REBUILD_LEASE_MS } },
            { upsert: true, returnDocument: 'after' },
          );
          if (taken?.holder === holder) break;
        } catch (err) {
          // Another process holds the lease: the upsert met its document.
          if ((err as { code?: number }).code !== 11000) throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      await this.rebuildAside();
      await meta.updateOne({ _id: 'rollups' }, { $set: { version: VERSION } }, { upsert: true });
      await meta.deleteOne({ _id: 'rollups_rebuild', holder });
    },
    async rebuildAside(): Promise<void> {
      // Retention removed raw clicks the rollups still count: rebuilt from what is left, they would lose them.
      const keptFrom = await clicksKeptFrom(db);
      if (keptFrom !== null)
        throw new Error(
          `the rollups cannot be rebuilt from the raw collections: retention removed the clicks before ${new Date(keptFrom).toISOString()}, which only the rollups still count`,
        );
      await rebuildAside(db);
    },
    /**
     * A rollup's `_id` is a document, and the `_id` index serves only whole ids; these
     * serve the range filters (and campaign filters) reports make. Made after a rebuild,
     * which replaces the collections.
     */
    async ensureIndexes(): Promise<void> {
      for (const c of [clickQ, convQ]) await c.createIndex({ '_id.bucket': 1 }, {}, {});
      for (const c of [clickD, convD]) {
        await c.createIndex({ '_id.day': 1 }, {}, {});
        await c.createIndex({ '_id.campaign_id': 1, '_id.day': 1 }, {}, {});
      }
      for (const c of [clickSD, convSD]) {
        await c.createIndex({ '_id.sub': 1, '_id.day': 1 }, {}, {});
        await c.createIndex({ '_id.sub': 1, '_id.campaign_id': 1, '_id.day': 1 }, {}, {});
      }
    },
    async built(): Promise<boolean> {
      return (await db.collection<{ _id: string; version: string }>('meta').findOne({ _id: 'rollups' }))?.version === VERSION;
    },
  };
}
export type MongoRollups = ReturnType<typeof createMongoRollups>;
