import type mongoose from 'mongoose';
import type { Doc } from './models.js';
import { TRAIT_KEYS, type TraitKey } from '../../domain/entities.js';
import { DAY_MS, type OffsetSegment } from '../../domain/time-zone.js';
import { BUCKET_MS, type AggregateRow, type Dimension, type Filters, type TimeRange } from '../store.js';

/** The local day (days since 1970-01-01 in the zone) of a time in ms, given the zone's offsets over the range. */
export function localDayExpression(timeMs: unknown, offsets: readonly OffsetSegment[]): unknown {
  const branches = offsets.filter((o) => o.until !== null).map((o) => ({ case: { $lt: [timeMs, o.until] }, then: o.offsetMs }));
  const last = offsets[offsets.length - 1]?.offsetMs ?? 0;
  const offset = branches.length ? { $switch: { branches, default: last } } : last;
  return { $floor: { $divide: [{ $add: [timeMs, offset] }, DAY_MS] } };
}

type Named = Exclude<Dimension, 'bucket' | 'day'>;

const FIELDS: Record<Named, string> = {
  campaign: 'campaign_id',
  offer: 'offer_id',
  offer_source: 'offer_source_id',
  traffic_channel: 'traffic_channel_id',
  type: 'type',
  status: 'status',
  sub1: 'subs.sub1',
  sub2: 'subs.sub2',
  sub3: 'subs.sub3',
  sub4: 'subs.sub4',
  sub5: 'subs.sub5',
  sub6: 'subs.sub6',
  sub7: 'subs.sub7',
  sub8: 'subs.sub8',
  sub9: 'subs.sub9',
  sub10: 'subs.sub10',
  ...(Object.fromEntries(TRAIT_KEYS.map((key) => [key, `traits.${key}`])) as Record<TraitKey, string>),
};

/** Sums over int64 come back as bigint (the connection's useBigInt64); counts are numbers unless they pass int32. */
interface Group {
  _id: Record<string, unknown>;
  n: number | bigint;
  revenue: number | bigint;
  cost: number | bigint;
  clicks: number | bigint;
}

/**
 * $group over clicks or conversions; a conversion's click dimensions live under
 * `click`. Conversions are grouped twice, first per group and click, so distinct clicks
 * are counted in the database (an array of click ids per group would pass MongoDB's
 * document limit past a few hundred thousand clicks).
 */
export async function aggregate(
  collection: mongoose.mongo.Collection<Doc>,
  of: 'clicks' | 'conversions',
  groupBy: readonly Dimension[],
  range: TimeRange,
  filters: Filters,
  offsets: readonly OffsetSegment[] = [],
): Promise<AggregateRow[]> {
  const time = of === 'clicks' ? 'ts' : 'created_at';
  const timeMatch: Record<string, number> = {};
  if (range.from !== null) timeMatch.$gte = range.from;
  if (range.to !== null) timeMatch.$lt = range.to;
  const match: Record<string, unknown> = Object.keys(timeMatch).length ? { [time]: timeMatch } : {};
  for (const [dim, value] of Object.entries(filters) as Array<[Named, string | null | undefined]>) {
    if (value !== undefined) match[path(dim, of)] = value;
  }
  const id = Object.fromEntries(groupBy.map((dim, i) => [`d${i}`, expression(dim, of, time, offsets)]));
  const groups =
    of === 'clicks'
      ? [{ $group: { _id: id, n: { $sum: 1 }, revenue: { $sum: 0 }, cost: { $sum: { $toLong: '$cost_micros' } }, clicks: { $sum: 1 } } }]
      : [
          { $group: { _id: { g: id, c: '$clickid' }, n: { $sum: 1 }, revenue: { $sum: { $toLong: '$payout_micros' } } } },
          { $group: { _id: '$_id.g', n: { $sum: '$n' }, revenue: { $sum: '$revenue' }, cost: { $sum: 0 }, clicks: { $sum: 1 } } },
        ];
  const rows = await collection
    .aggregate<Group>([...(Object.keys(match).length ? [{ $match: match }] : []), ...groups], { allowDiskUse: true })
    .toArray();
  return rows.map((row) => ({
    key: Object.fromEntries(groupBy.map((dim, i) => [dim, row._id[`d${i}`] == null ? null : String(row._id[`d${i}`])])),
    count: Number(row.n),
    revenueMicros: BigInt(row.revenue),
    costMicros: BigInt(row.cost),
    distinctClicks: Number(row.clicks),
  }));
}

function path(dim: Named, of: 'clicks' | 'conversions'): string {
  const nested = of === 'conversions' && dim !== 'type' && dim !== 'status';
  return nested ? `click.${FIELDS[dim]}` : FIELDS[dim];
}

function expression(dim: Dimension, of: 'clicks' | 'conversions', time: string, offsets: readonly OffsetSegment[]): unknown {
  if (dim === 'bucket') return { $floor: { $divide: [`$${time}`, BUCKET_MS] } };
  if (dim === 'day') return localDayExpression(`$${time}`, offsets);
  return { $ifNull: [`$${path(dim, of)}`, null] };
}
