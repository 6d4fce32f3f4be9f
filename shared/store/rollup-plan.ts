import { isRolledKey, type RolledKey } from '../domain/rolled-keys.js';
import { DAY_MS, offsetSegments, type OffsetSegment } from '../domain/time-zone.js';
import { AppError } from '../errors/app-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { splitRows } from './aggregates.js';
import { BUCKET_MS, type AggregateOptions, type AggregateRow, type Dimension, type Filters, type TimeRange } from './store.js';

/**
 * Where an aggregate reads from: the raw rows, the 15-minute rollup, the UTC-day
 * rollup, or the UTC-day rollup of one sub (`sub` says which).
 */
export type Grain = 'raw' | 'bucket' | 'day' | 'subDay';

const PLACEMENT = ['campaign', 'offer', 'offer_source', 'traffic_channel'] as const;

/** The dimensions each rollup keeps (the raw rows have them all). */
export const ROLLUP_DIMENSIONS: Record<Exclude<Grain, 'raw' | 'subDay'>, Record<'clicks' | 'conversions', readonly Dimension[]>> = {
  bucket: { clicks: ['bucket', 'day'], conversions: ['bucket', 'day', 'type', 'status'] },
  // `day` here only where the zone is UTC over the range (its local days are UTC days).
  day: { clicks: [...PLACEMENT, 'day'], conversions: [...PLACEMENT, 'day', 'type', 'status'] },
};

/**
 * Distinct clicks are only in the raw rows: asking for them skips the rollups.
 * `rawClicksFrom`: the instant from which raw clicks are kept (retention removed those
 * before); a clicks read that needs raw rows before it is refused, never answered short.
 */
export type PlanOptions = AggregateOptions & { rawClicksFrom?: number | null };

/** What a report is told when it needs raw clicks that retention removed: the earliest date it may start from. */
export function rawClicksRemoved(keptFrom: number): AppError {
  const day = new Date(keptFrom).toISOString().slice(0, 10);
  const message = `raw clicks before ${day} (UTC) were removed (CLICK_RETENTION_DAYS): this report needs them; start it on ${day} or later, or group by what the rollups keep (date, hour, campaign, offer, offer source, traffic channel, one sub in UTC)`;
  return new AppError(ErrorCodes.RAW_DATA_REMOVED, message, { httpStatus: 422, details: [{ field: 'from', message }] });
}

/** One read a store adapter makes for the planner: a grain, a range, and the grouping and filters to apply there. */
export interface GrainQuery {
  grain: Grain;
  range: TimeRange;
  /** For `subDay`: which sub's (or rolled trait's) rollup. */
  sub: RolledKey | null;
  groupBy: readonly Dimension[];
  filters: Filters;
  /** For the `day` dimension: the zone's offsets over the range, to turn instants into local days. */
  offsets: OffsetSegment[];
  /**
   * Where a split was asked and this read answers it all: the grouping without type and
   * status. The adapter may answer rows of that grouping with their split (`split`) instead.
   */
  splitOf?: readonly Dimension[];
  /** Where this read answers it all: the caller needs only the first this many groups (AggregateOptions.first). */
  first?: number;
}

/**
 * Answers an aggregate from the rollups where they can: time-only groupings from the
 * 15-minute rollup (for ranges on bucket edges), placement groupings from the day
 * rollup, and groupings and filters of placement with one sub from that sub's day
 * rollup, each for the whole UTC days of the range plus the raw rows for the part-days
 * at its ends. A sub's rollup has rows only for clicks that set it, so its unset group
 * is the day rollup less the sub's rows. Anything else (two subs, subs by time, odd
 * ranges, distinct clicks) reads the raw rows, as do sub groupings where the adapter
 * says its raw reads are fast (`fastRaw`). `run` makes one read; the store adapters
 * provide it.
 */
export async function planAggregate(...args: Parameters<typeof planRows>): Promise<AggregateRow[]> {
  const rows = await planRows(...args);
  const [, groupBy, , , options] = args;
  // A total of nothing is a row of zeros on every store (a rollup or pipeline with nothing in range answers none).
  if (groupBy.length === 0 && !options.split && rows.length === 0)
    return [{ key: {}, count: 0, revenueMicros: 0n, costMicros: 0n, distinctClicks: 0 }];
  return rows;
}

async function planRows(
  of: 'clicks' | 'conversions',
  groupBy: readonly Dimension[],
  range: TimeRange,
  filters: Filters,
  options: PlanOptions,
  run: (query: GrainQuery) => Promise<AggregateRow[]>,
  /** The adapter scans raw rows fast (a column copy in memory): no sub rollups then. */
  fastRaw = false,
  /** Set by the split case above: the grouping a single raw read may answer split. */
  splitOf?: readonly Dimension[],
): Promise<AggregateRow[]> {
  if (options.split && of === 'conversions') {
    const full = [...groupBy, ...(['type', 'status'] as const).filter((d) => !groupBy.includes(d))];
    const rows = await planAggregate(of, full, range, filters, { ...options, split: false }, run, fastRaw, groupBy);
    return rows.length > 0 && rows.every((r) => r.split) ? rows : splitRows(rows, groupBy);
  }
  const tz = options.tz ?? 'UTC';
  if (groupBy.includes('day') && (range.from === null || range.to === null))
    throw new RangeError('grouping by local day needs a bounded range');
  const offsets = groupBy.includes('day') && range.from !== null && range.to !== null ? offsetSegments(tz, range.from, range.to) : [];
  const keptFrom = of === 'clicks' ? (options.rawClicksFrom ?? null) : null;
  const removedIn = (part: TimeRange): boolean => keptFrom !== null && (part.from === null || part.from < keptFrom);
  const read = (q: Omit<GrainQuery, 'offsets'>) => {
    if (q.grain === 'raw' && removedIn(q.range)) throw rawClicksRemoved(keptFrom as number);
    return run({ ...q, offsets });
  };
  const raw = (part: TimeRange) => read({ grain: 'raw', range: part, sub: null, groupBy, filters });
  if (options.distinctClicks) return raw(range);
  // Over removed days the rollups answer what they can, even where raw scans are fast.
  const scanFast = fastRaw && !removedIn(range);
  const used = [...new Set([...groupBy, ...(Object.keys(filters) as Dimension[])])];
  // The day rollups count UTC days: they serve local days only where the zone is UTC all along.
  const utcDays = offsets.every((o) => o.offsetMs === 0);
  const covers = (grain: Exclude<Grain, 'raw' | 'subDay'>): boolean => {
    const dims: readonly string[] = ROLLUP_DIMENSIONS[grain][of];
    return used.every((d) => dims.includes(d)) && (grain === 'bucket' || utcDays);
  };
  const aligned = (ms: number | null): boolean => ms === null || ms % BUCKET_MS === 0;
  // Conversions split by status and type from the column copy: one scan beats the rollups' rows for every type and status.
  const copyFirst = scanFast && splitOf !== undefined;
  if (!copyFirst && covers('bucket') && aligned(range.from) && aligned(range.to))
    return read({ grain: 'bucket', range, sub: null, groupBy, filters });
  if (!copyFirst && covers('day')) return byDays((part) => read({ grain: 'day', range: part, sub: null, groupBy, filters }));
  if (scanFast)
    return read({
      grain: 'raw',
      range,
      sub: null,
      groupBy,
      filters,
      ...(splitOf ? { splitOf } : {}),
      ...(options.first !== undefined ? { first: options.first } : {}),
    });
  const subs = used.filter(isRolledKey);
  const [sub] = subs;
  const dayDims: readonly string[] = ROLLUP_DIMENSIONS.day[of];
  if (sub && utcDays && subs.length === 1 && used.every((d) => d === sub || dayDims.includes(d))) return byDays((part) => bySub(sub, part));
  return raw(range);

  /** Whole UTC days from `days`, the part-days at the ends from the raw rows. */
  async function byDays(days: (part: TimeRange) => Promise<AggregateRow[]>): Promise<AggregateRow[]> {
    const firstDay = range.from === null ? null : Math.ceil(range.from / DAY_MS) * DAY_MS;
    const lastDay = range.to === null ? null : Math.floor(range.to / DAY_MS) * DAY_MS;
    if (firstDay !== null && lastDay !== null && firstDay >= lastDay) return raw(range);
    const parts = [days({ from: firstDay, to: lastDay })];
    if (range.from !== null && firstDay !== range.from) parts.push(raw({ from: range.from, to: firstDay }));
    if (range.to !== null && lastDay !== range.to) parts.push(raw({ from: lastDay, to: range.to }));
    return merge((await Promise.all(parts)).flat(), groupBy);
  }

  /** Whole days grouped or filtered by one sub: its rollup for set values, the day rollup less it for the unset one. */
  async function bySub(sub: RolledKey, part: TimeRange): Promise<AggregateRow[]> {
    const value = filters[sub];
    if (value !== undefined && value !== null) return read({ grain: 'subDay', range: part, sub, groupBy, filters });
    const others = Object.fromEntries(Object.entries(filters).filter(([d]) => d !== sub)) as Filters;
    const rest = groupBy.filter((d) => d !== sub);
    const [all, set, bySubValue] = await Promise.all([
      read({ grain: 'day', range: part, sub: null, groupBy: rest, filters: others }),
      read({ grain: 'subDay', range: part, sub, groupBy: rest, filters: others }),
      value === null ? Promise.resolve([]) : read({ grain: 'subDay', range: part, sub, groupBy, filters: others }),
    ]);
    // Keys in the order of groupBy, as every other read gives them.
    const unset = subtract(all, set, rest).map((row) => ({ ...row, key: Object.fromEntries(groupBy.map((d) => [d, row.key[d] ?? null])) }));
    return [...bySubValue, ...unset];
  }
}

/** `from` less `less`, group by group (groups keyed by `dims`). */
function subtract(from: AggregateRow[], less: AggregateRow[], dims: readonly Dimension[]): AggregateRow[] {
  const keyOf = (row: AggregateRow): string => JSON.stringify(dims.map((d) => row.key[d] ?? null));
  const result = new Map(from.map((row) => [keyOf(row), { ...row, distinctClicks: 0 }]));
  for (const row of less) {
    const key = keyOf(row);
    const into = result.get(key) ?? { key: row.key, count: 0, revenueMicros: 0n, costMicros: 0n, distinctClicks: 0 };
    into.count -= row.count;
    into.revenueMicros -= row.revenueMicros;
    into.costMicros -= row.costMicros;
    result.set(key, into);
  }
  return [...result.values()];
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
