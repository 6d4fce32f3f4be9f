import { TRAIT_KEYS } from '../domain/entities.js';
import { REVERSED } from '../domain/reversal.js';

/** What reports ask a store: aggregates of clicks and conversions by dimension, over a range, filtered. */

/** Length of a time bucket: every real UTC offset is a multiple of it, so any time zone's days and hours are whole buckets. */
export const BUCKET_MS = 15 * 60 * 1000;

/**
 * What a store can group and filter by. `bucket` is the 15-minute UTC slot
 * (`floor(ms / BUCKET_MS)`); the report service turns slots into local hours. `day` is
 * the local day in the query's time zone (`tz`), as days since 1970-01-01 there.
 */
export const CLICK_DIMENSIONS = [
  'bucket',
  'day',
  'campaign',
  'offer',
  'offer_source',
  'traffic_channel',
  'sub1',
  'sub2',
  'sub3',
  'sub4',
  'sub5',
  'sub6',
  'sub7',
  'sub8',
  'sub9',
  'sub10',
  // What the click's IP and user agent say (entities.ts TRAIT_KEYS): raw-row dimensions, kept by no rollup.
  ...TRAIT_KEYS,
] as const;
export const DIMENSIONS = [...CLICK_DIMENSIONS, 'type', 'status'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Half-open UTC range in epoch ms; either end may be open. */
export interface TimeRange {
  from: number | null;
  to: number | null;
}

/** Exact-match filters, one value per dimension (`null` matches unset, e.g. the main conversion's type). */
export type Filters = Partial<Record<Exclude<Dimension, 'bucket' | 'day'>, string | null>>;

/**
 * How an aggregate is asked: `distinctClicks` reads the raw rows; `tz` is the zone of
 * the `day` dimension (UTC by default); `split` (conversions) gives each group its
 * counts and revenue by status and by type as well, in one row per group rather than
 * one per group, type and status (a sub across all traffic has nearly a row per
 * conversion that way).
 */
export interface AggregateOptions {
  distinctClicks?: boolean;
  tz?: string;
  split?: boolean;
  /**
   * Only the first this many groups are needed, in the order of their values (`groupBy`
   * in order, each ascending as JavaScript compares strings, null first; days and
   * buckets in time order). A store may answer more (all of them); never fewer.
   */
  first?: number;
}

/** A count and its revenue. */
export interface Tally {
  count: number;
  revenueMicros: bigint;
}

/**
 * A group's conversions by status (a reversed conversion under `reversed`), and by type
 * (null: the main conversion), where a type's revenue is net of reversals: a reversed
 * conversion counts, its payout does not.
 */
export interface Split {
  byStatus: Map<string, Tally>;
  byType: Map<string | null, Tally>;
}

/** One group of an aggregate; `key` has one value per grouped dimension. */
export interface AggregateRow {
  key: Partial<Record<Dimension, string | null>>;
  count: number;
  /** Sum of payouts (conversions) in micros; bigint, since sums may pass 2^53. */
  revenueMicros: bigint;
  /** Sum of click costs (clicks) in micros. */
  costMicros: bigint;
  /** Distinct clicks among the counted conversions (the count itself for clicks). */
  distinctClicks: number;
  /** Asked with `split`: the group's conversions by status and by type. */
  split?: Split;
}

/** Adds a count and revenue into a tally of a map. */
export function addTally<K>(map: Map<K, Tally>, key: K, count: number, revenueMicros: bigint): void {
  const tally = map.get(key);
  if (tally) {
    tally.count += count;
    tally.revenueMicros += revenueMicros;
  } else map.set(key, { count, revenueMicros });
}

/** Rows grouped by `groupBy`, type and status, as one row per group of `groupBy` with its split. */
export function splitRows(rows: readonly AggregateRow[], groupBy: readonly Dimension[]): AggregateRow[] {
  const groups = new Map<string, AggregateRow & { split: Split }>();
  for (const row of rows) {
    const key = JSON.stringify(groupBy.map((d) => row.key[d] ?? null));
    let group = groups.get(key);
    if (!group) {
      const split: Split = { byStatus: new Map(), byType: new Map() };
      group = {
        key: Object.fromEntries(groupBy.map((d) => [d, row.key[d] ?? null])),
        count: 0,
        revenueMicros: 0n,
        costMicros: 0n,
        distinctClicks: 0,
        split,
      };
      groups.set(key, group);
    }
    group.count += row.count;
    group.revenueMicros += row.revenueMicros;
    addTally(group.split.byStatus, row.key.status ?? '', row.count, row.revenueMicros);
    addTally(group.split.byType, row.key.type ?? null, row.count, row.key.status === REVERSED ? 0n : row.revenueMicros);
  }
  return [...groups.values()];
}

export interface AggregateQueries {
  /** Clicks per group, by click time; only click dimensions apply. `count` is the click count. */
  aggregateClicks(
    groupBy: readonly Dimension[],
    range: TimeRange,
    filters: Filters,
    options?: Pick<AggregateOptions, 'tz'>,
  ): Promise<AggregateRow[]>;
  /**
   * Conversions per group, by conversion time. `distinctClicks` is filled only when
   * asked for (it cannot come from rollups).
   */
  aggregateConversions(
    groupBy: readonly Dimension[],
    range: TimeRange,
    filters: Filters,
    options?: AggregateOptions,
  ): Promise<AggregateRow[]>;
}
