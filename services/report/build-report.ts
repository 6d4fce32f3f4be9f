import { moneyToNumber } from '../../shared/domain/money.js';
import { CLICK_DIMENSIONS, type AggregateRow, type Dimension, type Store, type TimeRange } from '../../shared/store/store.js';

export type ReportRow = Partial<Record<Dimension, string | null>> & { clicks: number; conversions: number; revenue: number };

const keyOf = (row: AggregateRow, dims: readonly Dimension[]): string => JSON.stringify(dims.map((d) => row.key[d] ?? null));
const isClickDimension = (d: Dimension): boolean => (CLICK_DIMENSIONS as readonly string[]).includes(d);

/**
 * One row per group. Where every dimension belongs to the click, `clicks` counts the
 * clicks of the group; where a conversion dimension (type, status) is grouped on,
 * clicks cannot be split that way and `clicks` is the number of distinct clicks that
 * converted in the group. Totals always count all clicks in the range.
 */
export async function buildReport(store: Store, groupBy: readonly Dimension[], range: TimeRange): Promise<{ rows: ReportRow[]; totals: ReportRow }> {
  const byClick = groupBy.every(isClickDimension);
  const [conversionGroups, clickGroups, [clickTotal]] = await Promise.all([
    store.aggregateConversions(groupBy, range),
    byClick ? store.aggregateClicks(groupBy, range) : Promise.resolve([]),
    store.aggregateClicks([], range),
  ]);
  const rows = new Map<string, { key: AggregateRow['key']; clicks: number; conversions: number; revenueMicros: bigint }>();
  for (const group of clickGroups) {
    rows.set(keyOf(group, groupBy), { key: group.key, clicks: group.count, conversions: 0, revenueMicros: 0n });
  }
  for (const group of conversionGroups) {
    const row = rows.get(keyOf(group, groupBy)) ?? { key: group.key, clicks: byClick ? 0 : group.distinctClicks, conversions: 0, revenueMicros: 0n };
    row.conversions = group.count;
    row.revenueMicros = group.revenueMicros;
    rows.set(keyOf(group, groupBy), row);
  }
  const totalRevenue = conversionGroups.reduce((sum, g) => sum + g.revenueMicros, 0n);
  const totalConversions = conversionGroups.reduce((sum, g) => sum + g.count, 0);
  return {
    rows: [...rows.values()]
      .sort((a, b) => compareKeys(a.key, b.key, groupBy))
      .map((r) => ({ ...r.key, clicks: r.clicks, conversions: r.conversions, revenue: moneyToNumber(r.revenueMicros) })),
    totals: { clicks: clickTotal?.count ?? 0, conversions: totalConversions, revenue: moneyToNumber(totalRevenue) },
  };
}

/** Dimension by dimension; null (the main conversion, an unset sub) first. */
function compareKeys(a: AggregateRow['key'], b: AggregateRow['key'], dims: readonly Dimension[]): number {
  for (const dim of dims) {
    const x = a[dim] ?? null;
    const y = b[dim] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
