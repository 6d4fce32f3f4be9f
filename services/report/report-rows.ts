import { moneyToNumber } from '../../shared/domain/money.js';
import { REVERSED } from '../../shared/domain/reversal.js';
import { STATUSES } from '../../shared/domain/statuses.js';
import type { Split, Tally } from '../../shared/store/store.js';
import { derivedMetrics } from './metrics-math.js';
import type { ReportRow } from './report-row.js';
import { METRICS, type ReportDimension } from './report.schema.js';

/** One group of a report as it is summed: its values, its traffic, its conversions. */
export interface Acc {
  dims: Record<string, string | null>;
  clicks: number;
  costMicros: bigint;
  conversions: number;
  revenueMicros: bigint;
  /**
   * Conversions per status and per type: null until the group has one (most groups of a
   * sub across all traffic have none); the store's split of its first conversion group
   * as it is, copied before a second one is added (`ownSplit`).
   */
  split: Split | null;
  ownSplit: boolean;
}

const NONE: Tally = { count: 0, revenueMicros: 0n };
/** The dimensions whose values are ids, and the settings that name them. */
export const NAMED = { campaign: 'campaigns', offer: 'offers', offer_source: 'offerSources', traffic_channel: 'trafficChannels' } as const;

/** The conversion types that count in no `conversions`, and those whose payouts count in no `revenue` (their own columns count them). */
export interface CountingRules {
  notConversions: readonly string[];
  notRevenue: readonly string[];
}

STATUSES satisfies readonly ['approved', 'pending', 'declined', 'other'];
const NAME_COLUMNS: Partial<Record<string, string>> = Object.fromEntries(Object.keys(NAMED).map((d) => [d, `${d}_name`]));

/**
 * A report's rows as empty templates, every column in its place (the CSV's order): each
 * row is a copy filled in, so a 10,000-row page makes 10,000 objects of one shape
 * instead of growing each one column by column (measured: most of a page's build time).
 */
export interface RowShape {
  row: ReportRow;
  types: Record<string, { conversions: number; revenue: number } | null>;
}

export function rowShape(groupBy: readonly ReportDimension[], names: ReadonlyMap<string, unknown>, types: readonly string[]): RowShape {
  const row: ReportRow = {};
  for (const d of groupBy) {
    row[d] = null;
    const column = NAME_COLUMNS[d];
    if (names.has(d) && column) row[column] = null;
  }
  for (const metric of METRICS) row[metric] = null;
  for (const status of STATUSES) {
    row[`${status}_conversions`] = null;
    row[`${status}_revenue`] = null;
  }
  row.types = {};
  return { row, types: Object.fromEntries(types.map((t) => [t, null])) };
}

/**
 * One report row, in a fixed column order (the CSV's): the group's values (with names
 * beside ids), the counts and money, the ratios, each status, each type. Plain loops and
 * assignments: it runs once per row shown, 10,000 times for a full page.
 */
export function toRow(
  acc: Acc,
  groupBy: ReportDimension[],
  names: Map<string, Map<string, string>>,
  types: string[],
  rules: CountingRules,
  shape: RowShape = rowShape(groupBy, names, types),
): ReportRow {
  const row: ReportRow = { ...shape.row };
  for (const d of groupBy) {
    const value = acc.dims[d] ?? null;
    row[d] = value;
    const named = names.get(d);
    const column = NAME_COLUMNS[d];
    if (named && column) row[column] = named.get(String(value)) ?? null;
  }
  const split = acc.split;
  // Revenue is net of reversals; gross and reversed beside it. A reversed conversion is declined: it counts there.
  const reversed = split?.byStatus.get(REVERSED) ?? NONE;
  // Types that do not count leave conversions and revenue (net: a type's revenue is net of its reversals); gross and reversed stay whole.
  let conversions = acc.conversions;
  let net = acc.revenueMicros - reversed.revenueMicros;
  if (split) {
    for (const t of rules.notConversions) conversions -= split.byType.get(t)?.count ?? 0;
    for (const t of rules.notRevenue) net -= split.byType.get(t)?.revenueMicros ?? 0n;
  }
  const ratios = derivedMetrics(acc.clicks, conversions, net, acc.costMicros);
  row.clicks = acc.clicks;
  row.conversions = conversions;
  row.revenue = moneyToNumber(net);
  row.gross_revenue = moneyToNumber(acc.revenueMicros);
  row.reversed_conversions = reversed.count;
  row.reversed_revenue = moneyToNumber(reversed.revenueMicros);
  row.net_revenue = row.revenue;
  row.cost = moneyToNumber(acc.costMicros);
  row.profit = ratios.profit;
  row.roi = ratios.roi;
  row.cr = ratios.cr;
  row.epc = ratios.epc;
  row.cpc = ratios.cpc;
  row.cpa = ratios.cpa;
  // The four statuses by name, each a plain property store (the check at the top fails if STATUSES ever changes).
  const approved = split?.byStatus.get('approved') ?? NONE;
  const pending = split?.byStatus.get('pending') ?? NONE;
  const declined = split?.byStatus.get('declined') ?? NONE;
  const other = split?.byStatus.get('other') ?? NONE;
  row.approved_conversions = approved.count;
  row.approved_revenue = moneyToNumber(approved.revenueMicros);
  row.pending_conversions = pending.count;
  row.pending_revenue = moneyToNumber(pending.revenueMicros);
  row.declined_conversions = declined.count + reversed.count;
  row.declined_revenue = moneyToNumber(declined.revenueMicros);
  row.other_conversions = other.count;
  row.other_revenue = moneyToNumber(other.revenueMicros);
  const byType = { ...shape.types } as Record<string, { conversions: number; revenue: number }>;
  for (const t of types) {
    const tally = split?.byType.get(t) ?? NONE;
    byType[t] = { conversions: tally.count, revenue: moneyToNumber(tally.revenueMicros) };
  }
  row.types = byType;
  return row;
}
