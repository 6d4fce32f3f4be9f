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

/** How an aggregate is asked: `distinctClicks` reads the raw rows; `tz` is the zone of the `day` dimension (UTC by default). */
export interface AggregateOptions {
  distinctClicks?: boolean;
  tz?: string;
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
