import { REVERSED } from '../../shared/domain/reversal.js';
import {
  addTally,
  BUCKET_MS,
  CLICK_DIMENSIONS,
  type AggregateRow,
  type Tally,
  type AggregateOptions,
  type Dimension,
  type Filters,
  type ReportReads,
  type TimeRange,
} from '../../shared/store/store.js';
import { topRows } from './report-order.js';
import type { Report } from './report-row.js';
import { NAMED, rowShape, toRow, type Acc, type CountingRules } from './report-rows.js';
import type { ReportDimension } from './report.schema.js';
import { DAY_MS, localParts } from '../../shared/domain/time-zone.js';

export interface ReportInput {
  groupBy: ReportDimension[];
  range: TimeRange;
  tz: string;
  filters: Filters;
  sort?: string;
  limit: number;
}

const isClickDimension = (d: string): boolean => (CLICK_DIMENSIONS as readonly string[]).includes(d) || d === 'date' || d === 'hour';

/**
 * Builds a report from store aggregates. Time is grouped by 15-minute UTC buckets in
 * the store and turned into local dates and hours here, so any IANA zone cuts days at
 * its own midnight. Clicks and cost belong to clicks, which have no type or status:
 * each row shows those of its click dimensions (for `date,type,status`, the clicks of
 * that date), so CR and CPA per type and status read against the traffic that made
 * them. Where only click dimensions are grouped, groups with clicks but no
 * conversions are rows too.
 */
export async function buildReport(store: ReportReads, input: ReportInput): Promise<Report> {
  const { groupBy, range, tz, filters } = input;
  // Local dates are grouped in the store (its `day` in `tz`) where the range is bounded; hours from 15-minute buckets here.
  const byDay = range.from !== null && range.to !== null;
  const toStore = (dims: readonly ReportDimension[]) => [
    ...new Set(dims.map((d): Dimension => (d === 'date' ? (byDay ? 'day' : 'bucket') : d === 'hour' ? 'bucket' : d))),
  ];
  const clickDims = groupBy.filter(isClickDimension);
  const clickFilters: Filters = Object.fromEntries(Object.entries(filters).filter(([d]) => isClickDimension(d)));
  const storeDims = toStore(groupBy);
  // Rows in the order of their values, each store group one row (no buckets folded into hours or dates): only the
  // first `limit` groups are needed from the store. Click groups too where every dimension is a click dimension
  // (rows then come from both sides); otherwise rows come from conversions, and each needs its clicks.
  const inGroupOrder = (input.sort === undefined || input.sort === groupBy[0]) && !storeDims.includes('bucket');
  const first = inGroupOrder ? { first: input.limit } : {};
  const clicksFirst = inGroupOrder && clickDims.length === groupBy.length ? first : {};
  // Reversed conversions are declined ones: a filter on declined takes both.
  const conversionFilters = filters.status === 'declined' ? [filters, { ...filters, status: REVERSED }] : [filters];
  const conversionsOf = async (dims: Dimension[], options: AggregateOptions) =>
    (await Promise.all(conversionFilters.map((f) => store.aggregateConversions(dims, range, f, options)))).flat();
  const [conversionGroups, clickGroups, allClicks, typeList, names] = await Promise.all([
    // Each group with its conversions by status and by type (the per-status and per-type columns).
    conversionsOf(storeDims, { tz, split: true, ...first }),
    store.aggregateClicks(toStore(clickDims), range, clickFilters, { tz, ...clicksFirst }),
    store.aggregateClicks([], range, clickFilters),
    store.conversionTypes.list(),
    loadNames(store, groupBy),
  ]);
  const types = typeList.map((t) => t.name).sort();
  const shape = rowShape(groupBy, names, types);
  const rules: CountingRules = {
    notConversions: typeList.filter((t) => t.counts_in_conversions === false).map((t) => t.name),
    notRevenue: typeList.filter((t) => t.counts_in_revenue === false).map((t) => t.name),
  };
  const local = localTimeCache(tz);
  const dates = new Map<string, string>();

  const trafficByKey = new Map<string, { clicks: number; costMicros: bigint }>();
  for (const group of clickGroups) {
    const key = keyOf(dimensionValues(group, clickDims, local, dates), clickDims);
    const traffic = trafficByKey.get(key) ?? { clicks: 0, costMicros: 0n };
    traffic.clicks += group.count;
    traffic.costMicros += group.costMicros;
    trafficByKey.set(key, traffic);
  }
  const accs = new Map<string, Acc>();
  const accFor = (row: AggregateRow): Acc => {
    const dims = dimensionValues(row, groupBy, local, dates);
    const key = keyOf(dims, groupBy);
    let acc = accs.get(key);
    if (!acc) {
      const traffic = trafficByKey.get(keyOf(dims, clickDims)) ?? { clicks: 0, costMicros: 0n };
      acc = {
        dims,
        clicks: traffic.clicks,
        costMicros: traffic.costMicros,
        conversions: 0,
        revenueMicros: 0n,
        split: null,
        ownSplit: false,
      };
      accs.set(key, acc);
    }
    return acc;
  };
  if (clickDims.length === groupBy.length) for (const group of clickGroups) accFor(group);
  for (const group of conversionGroups) addConversions(accFor(group), group);

  // Totals of every group, not only the rows returned.
  const total: Acc = {
    dims: {},
    clicks: allClicks[0]?.count ?? 0,
    costMicros: allClicks[0]?.costMicros ?? 0n,
    conversions: 0,
    revenueMicros: 0n,
    split: { byStatus: new Map(), byType: new Map() },
    ownSplit: true,
  };
  // Fewer groups than asked for are all of them; otherwise the store may have answered only the first.
  const cut = first.first !== undefined && conversionGroups.length >= first.first;
  const allConversions = cut ? await conversionsOf([], { split: true }) : conversionGroups;
  for (const group of allConversions) addConversions(total, group);
  const rows = topRows([...accs.values()], groupBy, input.sort, input.limit, (acc) => toRow(acc, groupBy, names, types, rules, shape));
  return { rows, totals: toRow(total, [], names, types, rules), types };
}

/** Adds a split conversion group to an accumulator: its count, revenue, and tallies by status and type. */
function addConversions(acc: Acc, group: AggregateRow): void {
  acc.conversions += group.count;
  acc.revenueMicros += group.revenueMicros;
  if (!group.split) throw new Error('the store answered a split aggregate without the split');
  if (acc.split === null) {
    acc.split = group.split;
    return;
  }
  if (!acc.ownSplit) {
    const copy = (map: ReadonlyMap<string | null, Tally>) => new Map([...map].map(([k, t]) => [k, { ...t }]));
    acc.split = { byStatus: copy(acc.split.byStatus) as Map<string, Tally>, byType: copy(acc.split.byType) };
    acc.ownSplit = true;
  }
  for (const [status, tally] of group.split.byStatus) addTally(acc.split.byStatus, status, tally.count, tally.revenueMicros);
  for (const [type, tally] of group.split.byType) addTally(acc.split.byType, type, tally.count, tally.revenueMicros);
}

/**
 * A group's key: each value length-prefixed (no separator a sub value could contain),
 * null apart from ''.
 */
function keyOf(dims: Record<string, string | null>, of: readonly ReportDimension[]): string {
  let key = '';
  for (const d of of) {
    const value = dims[d];
    key += value === null || value === undefined ? '-|' : `${String(value.length)}:${value}|`;
  }
  return key;
}

/** Local date and hour per 15-minute bucket, worked out once per bucket (Intl is slow per call). */
function localTimeCache(tz: string): (bucket: number) => { date: string; hour: string } {
  const cache = new Map<number, { date: string; hour: string }>();
  return (bucket) => {
    let parts = cache.get(bucket);
    if (!parts) {
      parts = localParts(bucket * BUCKET_MS, tz);
      cache.set(bucket, parts);
    }
    return parts;
  };
}

function dimensionValues(
  row: AggregateRow,
  groupBy: ReportDimension[],
  localTime: (bucket: number) => { date: string; hour: string },
  dates: Map<string, string>,
): Record<string, string | null> {
  const values: Record<string, string | null> = {};
  for (const d of groupBy) {
    if (d === 'date' && row.key.day != null) {
      let date = dates.get(row.key.day);
      if (date === undefined) {
        date = new Date(Number(row.key.day) * DAY_MS).toISOString().slice(0, 10);
        dates.set(row.key.day, date);
      }
      values[d] = date;
    } else if (d === 'date' || d === 'hour') {
      const local = localTime(Number(row.key.bucket));
      values[d] = d === 'date' ? local.date : `${local.date} ${local.hour}:00`;
    } else if (d === 'status' && row.key.status === REVERSED) values[d] = 'declined';
    else values[d] = row.key[d] ?? null;
  }
  return values;
}

async function loadNames(store: ReportReads, groupBy: ReportDimension[]): Promise<Map<string, Map<string, string>>> {
  const names = new Map<string, Map<string, string>>();
  for (const d of groupBy) {
    if (!(d in NAMED)) continue;
    const records = await store[NAMED[d as keyof typeof NAMED]].list();
    names.set(d, new Map(records.map((r) => [r.id, r.name])));
  }
  return names;
}
