import { BUCKET_MS, type AggregateRow, type Dimension, type Filters, type TimeRange } from './store.js';

export const DAY_MS = 86_400_000;

/** Where an aggregate reads from: the raw rows, the 15-minute rollup or the UTC-day rollup. */
export type Grain = 'raw' | 'bucket' | 'day';

const PLACEMENT = ['campaign', 'offer', 'offer_source', 'traffic_channel'] as const;

/** The dimensions each rollup keeps (the raw rows have them all). */
export const ROLLUP_DIMENSIONS: Record<Exclude<Grain, 'raw'>, Record<'clicks' | 'conversions', readonly Dimension[]>> = {
  bucket: { clicks: ['bucket'], conversions: ['bucket', 'type', 'status'] },
  day: { clicks: PLACEMENT, conversions: [...PLACEMENT, 'type', 'status'] },
};

export interface PlanOptions {
  /** Distinct clicks are only in the raw rows; asking for them skips the rollups. */
  distinctClicks?: boolean;
}

/**
 * Answers an aggregate from the rollups where they can: time-only groupings from the
 * 15-minute rollup (for ranges on bucket edges), placement groupings from the day
 * rollup for the whole UTC days of the range plus the raw rows for the part-days at
 * its ends. Anything else (subs, odd ranges, distinct clicks) reads the raw rows.
 * `run` reads one grain over one range; the store adapters provide it.
 */
export async function planAggregate(
  of: 'clicks' | 'conversions',
  groupBy: readonly Dimension[],
  range: TimeRange,
  filters: Filters,
  options: PlanOptions,
  run: (grain: Grain, range: TimeRange) => Promise<AggregateRow[]>,
): Promise<AggregateRow[]> {
  if (options.distinctClicks) return run('raw', range);
  const covers = (grain: Exclude<Grain, 'raw'>): boolean => {
    const dims: readonly string[] = ROLLUP_DIMENSIONS[grain][of];
    return groupBy.every((d) => dims.includes(d)) && Object.keys(filters).every((d) => dims.includes(d));
  };
  const aligned = (ms: number | null): boolean => ms === null || ms % BUCKET_MS === 0;
  if (covers('bucket') && aligned(range.from) && aligned(range.to)) return run('bucket', range);
  if (!covers('day')) return run('raw', range);

  const firstDay = range.from === null ? null : Math.ceil(range.from / DAY_MS) * DAY_MS;
  const lastDay = range.to === null ? null : Math.floor(range.to / DAY_MS) * DAY_MS;
  if (firstDay !== null && lastDay !== null && firstDay >= lastDay) return run('raw', range);
  const parts = [run('day', { from: firstDay, to: lastDay })];
  if (range.from !== null && firstDay !== range.from) parts.push(run('raw', { from: range.from, to: firstDay }));
  if (range.to !== null && lastDay !== range.to) parts.push(run('raw', { from: lastDay, to: range.to }));
  return merge((await Promise.all(parts)).flat(), groupBy);
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
