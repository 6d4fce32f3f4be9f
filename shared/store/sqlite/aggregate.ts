import type { Database } from 'better-sqlite3';
import { BUCKET_MS, type AggregateRow, type Dimension, type Filters, type TimeRange } from '../store.js';

const DAY_MS = 86_400_000;
type Named = Exclude<Dimension, 'bucket'>;

/** A table to aggregate: raw clicks or conversions, or one of their rollups. */
interface Source {
  table: string;
  /** The time column and its unit in ms (1 for raw tables, a bucket or a day for rollups). */
  time: string;
  unitMs: number;
  measures: string;
  /** Dimensions the table has, as SQL expressions. */
  dims: Partial<Record<Dimension, string>>;
}

const SUBS = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`sub${i + 1}`, `sub${i + 1}`])) as Record<`sub${number}`, string>;
const PLACEMENT = { campaign: 'campaign_id', offer: 'offer_id', offer_source: 'offer_source_id', traffic_channel: 'traffic_channel_id' } as const;
const ROLLED_TYPE = { type: "NULLIF(type_key, '')", status: 'status' } as const;

const SOURCES = {
  clicks: {
    table: 'clicks',
    time: 'ts',
    unitMs: 1,
    measures: 'COUNT(*) AS n, 0 AS revenue, COALESCE(SUM(cost_micros), 0) AS cost, COUNT(*) AS distinct_clicks',
    dims: { bucket: `ts / ${BUCKET_MS}`, ...PLACEMENT, ...SUBS },
  },
  conversions: {
    table: 'conversions',
    time: 'created_at',
    unitMs: 1,
    measures: 'COUNT(*) AS n, COALESCE(SUM(payout_micros), 0) AS revenue, 0 AS cost, COUNT(DISTINCT clickid) AS distinct_clicks',
    dims: { bucket: `created_at / ${BUCKET_MS}`, ...PLACEMENT, ...SUBS, type: 'type', status: 'status' },
  },
  clicksByBucket: { table: 'roll_click_q', time: 'bucket', unitMs: BUCKET_MS, measures: 'SUM(n) AS n, 0 AS revenue, SUM(cost) AS cost, 0 AS distinct_clicks', dims: { bucket: 'bucket' } },
  conversionsByBucket: {
    table: 'roll_conv_q',
    time: 'bucket',
    unitMs: BUCKET_MS,
    measures: 'SUM(n) AS n, SUM(revenue) AS revenue, 0 AS cost, 0 AS distinct_clicks',
    dims: { bucket: 'bucket', ...ROLLED_TYPE },
  },
  clicksByDay: { table: 'roll_click_d', time: 'day', unitMs: DAY_MS, measures: 'SUM(n) AS n, 0 AS revenue, SUM(cost) AS cost, 0 AS distinct_clicks', dims: { ...PLACEMENT } },
  conversionsByDay: {
    table: 'roll_conv_d',
    time: 'day',
    unitMs: DAY_MS,
    measures: 'SUM(n) AS n, SUM(revenue) AS revenue, 0 AS cost, 0 AS distinct_clicks',
    dims: { ...PLACEMENT, ...ROLLED_TYPE },
  },
} satisfies Record<string, Source>;

type Row = Record<string, string | bigint | null>;

export interface AggregateOptions {
  /** Distinct clicks are only in the raw tables; asking for them skips the rollups. */
  distinctClicks?: boolean;
}

/**
 * Clicks or conversions per group. The rollups the store keeps in the same write as
 * each click and conversion answer whatever they can: time-only groupings from the
 * 15-minute rollup (for ranges on bucket edges), placement groupings from the daily
 * one for the whole UTC days of the range with the raw table for the part-days at its
 * ends. Anything else (subs, odd ranges, distinct clicks) reads the raw tables.
 */
export function aggregate(db: Database, of: 'clicks' | 'conversions', groupBy: readonly Dimension[], range: TimeRange, filters: Filters, options: AggregateOptions = {}): AggregateRow[] {
  const raw = of === 'clicks' ? SOURCES.clicks : SOURCES.conversions;
  if (options.distinctClicks) return query(db, raw, groupBy, range, filters);
  const byBucket = of === 'clicks' ? SOURCES.clicksByBucket : SOURCES.conversionsByBucket;
  const byDay = of === 'clicks' ? SOURCES.clicksByDay : SOURCES.conversionsByDay;
  const aligned = (ms: number | null): boolean => ms === null || ms % BUCKET_MS === 0;
  if (covers(byBucket, groupBy, filters) && aligned(range.from) && aligned(range.to)) return query(db, byBucket, groupBy, range, filters);
  if (!covers(byDay, groupBy, filters)) return query(db, raw, groupBy, range, filters);

  const firstDay = range.from === null ? null : Math.ceil(range.from / DAY_MS) * DAY_MS;
  const lastDay = range.to === null ? null : Math.floor(range.to / DAY_MS) * DAY_MS;
  if (firstDay !== null && lastDay !== null && firstDay >= lastDay) return query(db, raw, groupBy, range, filters);
  const parts = [query(db, byDay, groupBy, { from: firstDay, to: lastDay }, filters)];
  if (range.from !== null && firstDay !== range.from) parts.push(query(db, raw, groupBy, { from: range.from, to: firstDay }, filters));
  if (range.to !== null && lastDay !== range.to) parts.push(query(db, raw, groupBy, { from: lastDay, to: range.to }, filters));
  return merge(parts.flat(), groupBy);
}

function covers(source: Source, groupBy: readonly Dimension[], filters: Filters): boolean {
  return groupBy.every((d) => d in source.dims) && Object.keys(filters).every((d) => d in source.dims);
}

function query(db: Database, source: Source, groupBy: readonly Dimension[], range: TimeRange, filters: Filters): AggregateRow[] {
  const selects = groupBy.map((dim, i) => `${source.dims[dim]} AS d${i}`);
  const where: string[] = [];
  const params: Array<number | string> = [];
  for (const [dim, value] of Object.entries(filters) as Array<[Named, string | null | undefined]>) {
    if (value === undefined) continue;
    const column = source.dims[dim] as string;
    if (value === null) where.push(`${column} IS NULL`);
    else {
      where.push(`${column} = ?`);
      params.push(value);
    }
  }
  if (range.from !== null) {
    where.push(`${source.time} >= ?`);
    params.push(range.from / source.unitMs);
  }
  if (range.to !== null) {
    where.push(`${source.time} < ?`);
    params.push(range.to / source.unitMs);
  }
  const sql = [
    `SELECT ${[...selects, source.measures].join(', ')} FROM ${source.table}`,
    where.length ? `WHERE ${where.join(' AND ')}` : '',
    groupBy.length ? `GROUP BY ${groupBy.map((_, i) => `d${i}`).join(', ')}` : '',
  ].join(' ');
  const rows = db.prepare(sql).safeIntegers(true).all(...params) as Row[];
  return rows
    .filter((row) => groupBy.length > 0 || row.n !== null)
    .map((row) => ({
      key: Object.fromEntries(groupBy.map((dim, i) => [dim, stringOrNull(row[`d${i}`])])),
      count: Number(row.n ?? 0),
      revenueMicros: BigInt(row.revenue ?? 0),
      costMicros: BigInt(row.cost ?? 0),
      distinctClicks: Number(row.distinct_clicks ?? 0),
    }));
}

/** Sums rows of the same group from several parts of a range. */
function merge(rows: AggregateRow[], groupBy: readonly Dimension[]): AggregateRow[] {
  const merged = new Map<string, AggregateRow>();
  for (const row of rows) {
    const key = JSON.stringify(groupBy.map((d) => row.key[d] ?? null));
    const into = merged.get(key);
    if (!into) merged.set(key, { ...row });
    else {
      into.count += row.count;
      into.revenueMicros += row.revenueMicros;
      into.costMicros += row.costMicros;
      into.distinctClicks += row.distinctClicks;
    }
  }
  return [...merged.values()].filter((r) => groupBy.length === 0 || r.count > 0 || r.costMicros > 0n);
}

function stringOrNull(value: string | bigint | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}
