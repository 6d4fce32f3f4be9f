import { DAY_MS, type OffsetSegment } from '../../domain/time-zone.js';
import { BUCKET_MS, type AggregateRow, type Dimension, type Filters, type Tally, type TimeRange } from '../aggregates.js';
import { DENSE_KEYS, KeyTable, SLOTS, zeroed } from './column-groups.js';
import { REVERSED } from '../../domain/reversal.js';
import { tallyRows, tallySplit } from './column-loop.js';
import { isPlacementDim, type Placements, type PlacementDim, type Table } from './column-tables.js';

/** Groups and sums the rows of a column table in a range, filtered (see ColumnCopy.aggregate). */
export function scan(
  table: Table,
  placements: Placements,
  of: 'clicks' | 'conversions',
  groupBy: readonly Dimension[],
  range: TimeRange,
  filters: Filters,
  offsets: readonly OffsetSegment[],
  split: boolean,
  first?: number,
): AggregateRow[] | null {
  const from = range.from ?? -Infinity;
  const to = range.to ?? Infinity;
  // Filters: placement ones folded into one yes/no per placement, the others a code per column.
  const placementOk = new Uint8Array(placements.size).fill(1);
  const filterColumns: Int32Array[] = [];
  const filterCodes: number[] = [];
  for (const [dim, value] of Object.entries(filters) as Array<[Dimension, string | null | undefined]>) {
    if (value === undefined) continue;
    if (isPlacementDim(dim)) {
      const code = placements.dictionaries[dim].find(value);
      const of = placements.of[dim];
      for (let p = 0; p < placementOk.length; p++) if (of[p] !== code) placementOk[p] = 0;
      continue;
    }
    const column = table.column(dim);
    if (!column) {
      if (value === null) continue;
      return [];
    }
    const code = column.dictionary.find(value);
    if (code < 0) return [];
    filterColumns.push(column.codes);
    filterCodes.push(code);
  }
  // Grouping: a key = sum of code × stride; placement dimensions fold into one number per placement.
  // The first dimension varies slowest; asked for the first groups, codes become ranks, so keys run in group order.
  const ordered = first !== undefined;
  const keyColumns: Int32Array[] = [];
  const keyRanks: Int32Array[] = [];
  const keyStrides: number[] = [];
  let keys = 1;
  let timeDim: 'day' | 'bucket' | null = null;
  let timeBase = 0;
  let timeStride = 0;
  const placementParts: Array<{ dim: PlacementDim; stride: number }> = [];
  const dayOf = localDayFn(offsets);
  // The same, inline in the row loop: the zone's offset changes (the last one never ends) and offsets.
  const untils = Float64Array.from(offsets.length > 0 ? offsets : [{ until: null, offsetMs: 0 }], (o) => o.until ?? Infinity);
  const offsetsMs = Float64Array.from(offsets.length > 0 ? offsets : [{ until: null, offsetMs: 0 }], (o) => o.offsetMs);
  const [minTime, maxTime] = timeBounds(table, from, to);
  for (const dim of [...groupBy].reverse()) {
    if (dim === 'day' || dim === 'bucket') {
      timeDim = dim;
      const unit = dim === 'day' ? dayOf : (ms: number) => Math.floor(ms / BUCKET_MS);
      timeBase = unit(minTime);
      timeStride = keys;
      keys *= unit(maxTime) - timeBase + 1;
    } else if (isPlacementDim(dim)) {
      placementParts.push({ dim, stride: keys });
      keys *= placements.dictionaries[dim].values.length;
    } else {
      // A column no row has is null everywhere: one code, nothing to read.
      const column = table.column(dim);
      if (!column) continue;
      keyColumns.push(column.codes);
      keyRanks.push(ordered ? column.dictionary.ranks() : identity(column.dictionary.values.length));
      keyStrides.push(keys);
      keys *= column.dictionary.values.length;
    }
  }
  if (keys > Number.MAX_SAFE_INTEGER) return null;
  const placementKey = new Float64Array(placements.size);
  for (const { dim, stride } of placementParts) {
    const of = placements.of[dim];
    const ranks = ordered ? placements.dictionaries[dim].ranks() : null;
    for (let p = 0; p < placementKey.length; p++) {
      const code = of[p] as number;
      placementKey[p] = (placementKey[p] as number) + (ranks ? (ranks[code] as number) : code) * stride;
    }
  }

  const dense = keys <= DENSE_KEYS ? zeroed('dense', keys) : null;
  const sparse = dense ? null : new KeyTable();
  // Per slot (group): a count, a sum, a row of it; with a split, a count and a sum per status and per type code.
  const statuses = split ? table.status : null;
  const types = split ? table.type : null;
  const statusCodes = table.statusDictionary.values.length;
  const typeCodes = table.typeDictionary.values.length;
  const width = statuses && types ? 2 * (statusCodes + typeCodes) : 0;
  const typeAt = 2 * statusCodes;
  const reversedStatus = table.statusDictionary.find(REVERSED);
  // Asked for the first groups only, the split waits until they are known (a date by a sub of 20,000 values has
  // ~500,000 groups, whose counters alone would be ~90 MB): each row's slot is noted, and a second pass tallies the
  // rows of the chosen groups.
  const rowSlots = width > 0 && first !== undefined ? zeroed('rowSlots', table.size) : null;
  const slots = SLOTS.reset(rowSlots ? 0 : width);
  const moved = tallyRows({
    size: table.size,
    from,
    to,
    time: table.time,
    placement: table.placement,
    money: table.money,
    placementOk,
    placementKey,
    filterColumns,
    filterCodes: Int32Array.from(filterCodes),
    keyColumns,
    keyRanks,
    keyStrides: Float64Array.from(keyStrides),
    time_: timeDim === 'day' ? 1 : timeDim === 'bucket' ? 2 : 0,
    timeBase,
    timeStride,
    untils,
    offsetsMs,
    dense: dense ?? new Int32Array(0),
    hash: sparse ?? new KeyTable(),
    useDense: dense !== null,
    slots,
    statuses: statuses ?? new Int32Array(0),
    types: types ?? new Int32Array(0),
    width: rowSlots ? 0 : width,
    typeAt,
    reversedStatus,
    rowSlots: rowSlots ?? new Int32Array(0),
    noteRows: rowSlots !== null,
    first: first !== undefined && first <= 1_000_000 ? first : 0,
  });
  const { time, placement, money, size } = table;
  let { counters } = slots;
  const { counts, sums } = slots;
  // Whole micros summed in doubles are exact while no sum can pass 2^53; past that, SQL sums them.
  if (moved > Number.MAX_SAFE_INTEGER) return null;

  const valueOf = (dim: Dimension, i: number): string | null => {
    if (dim === 'day') return String(dayOf(time[i] as number));
    if (dim === 'bucket') return String(Math.floor((time[i] as number) / BUCKET_MS));
    if (isPlacementDim(dim)) return placements.dictionaries[dim].values[placements.of[dim][placement[i] as number] as number] ?? null;
    const column = table.column(dim);
    return column ? (column.dictionary.values[column.codes[i] as number] ?? null) : null;
  };
  const keyOf = (i: number): AggregateRow['key'] => {
    const key: AggregateRow['key'] = {};
    for (const dim of groupBy) key[dim] = valueOf(dim, i);
    return key;
  };
  // Asked for the first groups only: the slots of the smallest keys, in key order.
  let chosen: number[] | null = null;
  if (first !== undefined && slots.size > first) {
    chosen = [];
    if (dense) {
      for (let k = 0; k < keys && chosen.length < first; k++) if ((dense[k] as number) > 0) chosen.push((dense[k] as number) - 1);
    } else {
      // The first-smallest key by a numeric sort of them all, then the slots up to it in key order.
      const keys = slots.keys.subarray(0, slots.size);
      const last = keys.slice().sort()[first - 1] as number;
      for (let slot = 0; slot < slots.size; slot++) if ((keys[slot] as number) <= last) chosen.push(slot);
      chosen.sort((a, b) => (keys[a] as number) - (keys[b] as number));
    }
  }
  /** A slot's tallies of `codes` codes from `at` in its split counters. */
  // The deferred split: counters of the chosen groups only (at their place in `chosen`), from the rows noted.
  let counterOf = (slot: number): number => slot;
  if (rowSlots && statuses && types) {
    const place = new Int32Array(slots.size).fill(-1);
    (chosen ?? Array.from({ length: slots.size }, (_, slot) => slot)).forEach((slot, n) => (place[slot] = n));
    counters = new Float64Array(place.length > 0 ? (chosen?.length ?? slots.size) * width : 0);
    for (let i = 1; i < size; i++) {
      const slot = (rowSlots[i] as number) - 1;
      if (slot < 0) continue;
      const n = place[slot] as number;
      if (n < 0) continue;
      tallySplit(counters, n * width, typeAt, statuses[i] as number, types[i] as number, money[i] as number, reversedStatus);
    }
    counterOf = (slot) => place[slot] as number;
  }
  const tallies = <K>(group: number, at: number, codes: number, valueOfCode: (code: number) => K): Map<K, Tally> => {
    const slot = counterOf(group);
    const map = new Map<K, Tally>();
    for (let c = 0; c < codes; c++) {
      const count = counters[slot * width + at + 2 * c] as number;
      if (count > 0) map.set(valueOfCode(c), { count, revenueMicros: BigInt(counters[slot * width + at + 2 * c + 1] as number) });
    }
    return map;
  };
  return (chosen ?? Array.from({ length: slots.size }, (_, slot) => slot)).map((slot): AggregateRow => {
    const i = slots.rows[slot] as number;
    const count = counts[slot] as number;
    const sum = BigInt(sums[slot] as number);
    return {
      key: keyOf(i),
      count,
      revenueMicros: of === 'conversions' ? sum : 0n,
      costMicros: of === 'clicks' ? sum : 0n,
      distinctClicks: of === 'clicks' ? count : 0,
      ...(statuses && types
        ? {
            split: {
              byStatus: tallies(slot, 0, statusCodes, (c) => table.statusDictionary.values[c] ?? ''),
              byType: tallies(slot, typeAt, typeCodes, (c) => table.typeDictionary.values[c] ?? null),
            },
          }
        : {}),
    };
  });
}
/** 0, 1, 2, …: ranks that leave codes as they are. */
function identity(length: number): Int32Array {
  const ranks = new Int32Array(length);
  for (let code = 0; code < length; code++) ranks[code] = code;
  return ranks;
}

/** The local day of an instant, from the zone's offsets over the range (as the SQL of aggregate.ts). */
function localDayFn(offsets: readonly OffsetSegment[]): (ms: number) => number {
  if (offsets.length <= 1) {
    const offset = offsets[0]?.offsetMs ?? 0;
    return (ms) => Math.floor((ms + offset) / DAY_MS);
  }
  const until = offsets.map((o) => o.until ?? Infinity);
  const offset = offsets.map((o) => o.offsetMs);
  return (ms) => {
    let s = 0;
    while (ms >= (until[s] as number)) s++;
    return Math.floor((ms + (offset[s] as number)) / DAY_MS);
  };
}

/** The earliest and latest time of the rows in the range (for sizing time keys). */
function timeBounds(table: Table, from: number, to: number): [number, number] {
  if (Number.isFinite(from) && Number.isFinite(to)) return [from, to - 1];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 1; i < table.size; i++) {
    const at = table.time[i] as number;
    if (!(at >= from && at < to)) continue;
    if (at < min) min = at;
    if (at > max) max = at;
  }
  return min === Infinity ? [0, 0] : [min, max];
}
