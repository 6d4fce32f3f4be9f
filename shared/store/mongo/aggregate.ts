import type mongoose from 'mongoose';
import type { Doc } from './models.js';
import { BUCKET_MS, type AggregateRow, type Dimension, type Filters, type TimeRange } from '../store.js';

const FIELDS: Record<Exclude<Dimension, 'bucket'>, string> = {
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
};

interface Group {
  _id: Record<string, unknown>;
  n: number;
  revenue: number;
  cost: number;
  clicks: string[] | number;
}

/** $group over clicks or conversions; a conversion's click dimensions live under `click`. */
export async function aggregate(
  collection: mongoose.mongo.Collection<Doc>,
  of: 'clicks' | 'conversions',
  groupBy: readonly Dimension[],
  range: TimeRange,
  filters: Filters,
): Promise<AggregateRow[]> {
  const time = of === 'clicks' ? 'ts' : 'created_at';
  const timeMatch: Record<string, number> = {};
  if (range.from !== null) timeMatch.$gte = range.from;
  if (range.to !== null) timeMatch.$lt = range.to;
  const match: Record<string, unknown> = Object.keys(timeMatch).length ? { [time]: timeMatch } : {};
  for (const [dim, value] of Object.entries(filters) as Array<[Exclude<Dimension, 'bucket'>, string | null | undefined]>) {
    if (value !== undefined) match[path(dim, of)] = value;
  }
  const id = Object.fromEntries(groupBy.map((dim, i) => [`d${i}`, expression(dim, of, time)]));
  const rows = await collection
    .aggregate<Group>([
      ...(Object.keys(match).length ? [{ $match: match }] : []),
      {
        $group: {
          _id: id,
          n: { $sum: 1 },
          revenue: { $sum: of === 'clicks' ? 0 : '$payout_micros' },
          cost: { $sum: of === 'clicks' ? '$cost_micros' : 0 },
          clicks: of === 'clicks' ? { $sum: 1 } : { $addToSet: '$clickid' },
        },
      },
    ])
    .toArray();
  return rows.map((row) => ({
    key: Object.fromEntries(groupBy.map((dim, i) => [dim, row._id[`d${i}`] == null ? null : String(row._id[`d${i}`])])),
    count: row.n,
    revenueMicros: BigInt(row.revenue),
    costMicros: BigInt(row.cost),
    distinctClicks: Array.isArray(row.clicks) ? row.clicks.length : row.clicks,
  }));
}

function path(dim: Exclude<Dimension, 'bucket'>, of: 'clicks' | 'conversions'): string {
  const nested = of === 'conversions' && dim !== 'type' && dim !== 'status';
  return nested ? `click.${FIELDS[dim]}` : FIELDS[dim];
}

function expression(dim: Dimension, of: 'clicks' | 'conversions', time: string): unknown {
  if (dim === 'bucket') return { $floor: { $divide: [`$${time}`, BUCKET_MS] } };
  return { $ifNull: [`$${path(dim, of)}`, null] };
}
