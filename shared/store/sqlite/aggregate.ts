import type { Database } from 'better-sqlite3';
import type { ColumnCopy } from './columns.js';
import { clicksKeptFrom } from './retention.js';
import { DAY_MS } from '../../domain/time-zone.js';
import { planAggregate, type Grain, type GrainQuery, type PlanOptions } from '../rollup-plan.js';
import { TRAIT_KEYS, type TraitKey } from '../../domain/entities.js';
import { rolledNumber, type RolledKey } from '../../domain/rolled-keys.js';
import type { OffsetSegment } from '../../domain/time-zone.js';
import { BUCKET_MS, type AggregateRow, type Dimension, type Filters, type TimeRange } from '../store.js';

type Named = Exclude<Dimension, 'bucket'>;

/** A table to aggregate: raw clicks or conversions, or one of their rollups. */
interface Source {
  table: string;
  /** The time column and its unit in ms (1 for raw tables, a bucket or a day for rollups). */
  time: string;
  unitMs: number;
  /** The row's time in ms, as SQL (for local days). */
  timeMs: string;
  measures: string;
  /** Dimensions the table has, as SQL expressions. */
  dims: Partial<Record<Dimension, string>>;
  /** A condition every row read must meet (the sub rollups: which sub). */
  where?: string;
  /** How a filter on a dimension is written, where not `column = ?`. */
  filterSql?: Partial<Record<Dimension, string>>;
}

const SUBS = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`sub${i + 1}`, `sub${i + 1}`])) as Record<`sub${number}`, string>;
const TRAITS = Object.fromEntries(TRAIT_KEYS.map((key) => [key, key])) as Record<TraitKey, string>;
const PLACEMENT = {
  campaign: 'campaign_id',
  offer: 'offer_id',
  offer_source: 'offer_source_id',
  traffic_channel: 'traffic_channel_id',
} as const;
const ROLLED_TYPE = { type: "NULLIF(type_key, '')", status: 'status' } as const;

const SOURCES = {
  clicks: {
    table: 'clicks',
    time: 'ts',
    unitMs: 1,
    timeMs: 'ts',
    measures: 'COUNT(*) AS n, 0 AS revenue, COALESCE(SUM(cost_micros), 0) AS cost, COUNT(*) AS distinct_clicks',
    dims: { bucket: `ts / ${BUCKET_MS}`, ...PLACEMENT, ...SUBS, ...TRAITS },
  },
  conversions: {
    table: 'conversions',
    time: 'created_at',
    unitMs: 1,
    timeMs: 'created_at',
    measures: 'COUNT(*) AS n, COALESCE(SUM(payout_micros), 0) AS revenue, 0 AS cost, COUNT(DISTINCT clickid) AS distinct_clicks',
    dims: { bucket: `created_at / ${BUCKET_MS}`, ...PLACEMENT, ...SUBS, ...TRAITS, type: 'type', status: 'status' },
  },
  clicksByBucket: {
    table: 'roll_click_q',
    time: 'bucket',
    unitMs: BUCKET_MS,
    timeMs: `bucket * ${BUCKET_MS}`,
    measures: 'SUM(n) AS n, 0 AS revenue, SUM(cost) AS cost, 0 AS distinct_clicks',
    dims: { bucket: 'bucket' },
  },
  conversionsByBucket: {
    table: 'roll_conv_q',
    time: 'bucket',
    unitMs: BUCKET_MS,
    timeMs: `bucket * ${BUCKET_MS}`,
    measures: 'SUM(n) AS n, SUM(revenue) AS revenue, 0 AS cost, 0 AS distinct_clicks',
    dims: { bucket: 'bucket', ...ROLLED_TYPE },
  },
  clicksByDay: {
    table: 'roll_click_d',
    time: 'day',
    unitMs: DAY_MS,
    timeMs: `day * ${DAY_MS}`,
    measures: 'SUM(n) AS n, 0 AS revenue, SUM(cost) AS cost, 0 AS distinct_clicks',
    dims: { ...PLACEMENT },
  },
  conversionsByDay: {
    table: 'roll_conv_d',
    time: 'day',
    unitMs: DAY_MS,
    timeMs: `day * ${DAY_MS}`,
    measures: 'SUM(n) AS n, SUM(revenue) AS revenue, 0 AS cost, 0 AS distinct_clicks',
    dims: { ...PLACEMENT, ...ROLLED_TYPE },
  },
} satisfies Record<string, Source>;

/**
 * The day rollup of one sub: its value is the sub's dimension; its placement id names a
 * placement in `placements`, joined only when the report groups by a placement (a
 * filter on one reads the ids that match first).
 */
function subDaySource(of: 'clicks' | 'conversions', sub: RolledKey, groupBy: readonly Dimension[]): Source {
  const base = of === 'clicks' ? SOURCES.clicksByDay : SOURCES.conversionsByDay;
  const joined = groupBy.some((d) => d in PLACEMENT);
  const placement = Object.fromEntries(Object.entries(PLACEMENT).map(([dim, column]) => [dim, `p.${column}`]));
  const columns = of === 'clicks' ? 'sub, day, value, placement, n, cost' : 'sub, day, value, placement, type_key, status, n, revenue';
  const table = of === 'clicks' ? 'click' : 'conv';
  return {
    ...base,
    // The rollup and the changes logged since it was last folded (see rollups.ts).
    table: `(SELECT ${columns} FROM roll_${table}_sd UNION ALL SELECT ${columns} FROM log_${table}_sd) r${joined ? ' JOIN placements p ON p.id = r.placement' : ''}`,
    time: 'r.day',
    timeMs: `r.day * ${DAY_MS}`,
    dims: { ...base.dims, ...placement, [sub]: 'r.value' },
    filterSql: Object.fromEntries(
      Object.entries(PLACEMENT).map(([dim, column]) => [dim, `r.placement IN (SELECT id FROM placements WHERE ${column} = ?)`]),
    ),
    where: `r.sub = ${String(rolledNumber(sub))}`,
  };
}

type Row = Record<string, string | bigint | null>;

/**
 * Clicks or conversions per group, from the rollups the store keeps in the same write
 * as each click and conversion where they can answer (see planAggregate), else from
 * the raw rows: the column copy where the process keeps one and it is loaded, else
 * the raw tables.
 */
export function aggregate(
  db: Database,
  copy: ColumnCopy | null,
  of: 'clicks' | 'conversions',
  groupBy: readonly Dimension[],
  range: TimeRange,
  filters: Filters,
  options: PlanOptions = {},
): Promise<AggregateRow[]> {
  const sources: Record<Exclude<Grain, 'subDay'>, Source> = of === 'clicks'
    ? { raw: SOURCES.clicks, bucket: SOURCES.clicksByBucket, day: SOURCES.clicksByDay }
    : { raw: SOURCES.conversions, bucket: SOURCES.conversionsByBucket, day: SOURCES.conversionsByDay };
  const scanned = copy !== null && copy.loaded() && !options.distinctClicks;
  const read = async (q: GrainQuery): Promise<AggregateRow[]> => {
    if (scanned && q.grain === 'raw') {
      const rows = await (q.splitOf
        ? copy.aggregate(of, q.splitOf, q.range, q.filters, q.offsets, true, q.first)
        : copy.aggregate(of, q.groupBy, q.range, q.filters, q.offsets, false, q.first));
      if (rows) return rows;
    }
    const source = q.grain === 'subDay' && q.sub ? subDaySource(of, q.sub, q.groupBy) : sources[q.grain === 'subDay' ? 'raw' : q.grain];
    return query(db, { ...source, dims: { ...source.dims, day: localDay(source.timeMs, q.offsets) } }, q.groupBy, q.range, q.filters);
  };
  return planAggregate(
    of,
    groupBy,
    range,
    filters,
    { ...options, rawClicksFrom: of === 'clicks' ? clicksKeptFrom(db) : null },
    read,
    scanned,
  );
}

/** The local day (days since 1970-01-01 in the zone) of a time in ms, given the zone's offsets over the range. */
function localDay(timeMs: string, offsets: readonly OffsetSegment[]): string {
  if (offsets.length <= 1) return `(${timeMs} + ${String(offsets[0]?.offsetMs ?? 0)}) / ${DAY_MS}`;
  const cases = offsets.map((o) =>
    o.until === null ? `ELSE ${String(o.offsetMs)}` : `WHEN ${timeMs} < ${String(o.until)} THEN ${String(o.offsetMs)}`,
  );
  return `(${timeMs} + CASE ${cases.join(' ')} END) / ${DAY_MS}`;
}

function query(db: Database, source: Source, groupBy: readonly Dimension[], range: TimeRange, filters: Filters): AggregateRow[] {
  const selects = groupBy.map((dim, i) => `${source.dims[dim]} AS d${i}`);
  const where: string[] = source.where ? [source.where] : [];
  const params: Array<number | string> = [];
  for (const [dim, value] of Object.entries(filters) as Array<[Named, string | null | undefined]>) {
    if (value === undefined) continue;
    const column = source.dims[dim] as string;
    if (value === null) where.push(`${column} IS NULL`);
    else {
      where.push(source.filterSql?.[dim] ?? `${column} = ?`);
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
  const rows = db
    .prepare(sql)
    .safeIntegers(true)
    .all(...params) as Row[];
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

function stringOrNull(value: string | bigint | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}
