import { BUCKET_MS } from '../aggregates.js';
import { DAY_MS } from '../../domain/time-zone.js';
import type { KeyTable, Slots } from './column-groups.js';

/**
 * What the row loop reads: one shape for every scan (empty arrays rather than nulls),
 * so the loop stays compiled. Kept in the scan itself, it was deoptimised whenever
 * the rows it built afterwards changed shape, and ran interpreted for a while,
 * boxing every number (~100 MB of garbage a report).
 */
export interface RowLoop {
  size: number;
  from: number;
  to: number;
  time: Float64Array;
  placement: Int32Array;
  money: Float64Array;
  placementOk: Uint8Array;
  placementKey: Float64Array;
  filterColumns: Int32Array[];
  filterCodes: Int32Array;
  keyColumns: Int32Array[];
  keyRanks: Int32Array[];
  keyStrides: Float64Array;
  /** 0: no time dimension; 1: local day; 2: 15-minute bucket. */
  time_: number;
  timeBase: number;
  timeStride: number;
  untils: Float64Array;
  offsetsMs: Float64Array;
  dense: Int32Array;
  hash: KeyTable;
  useDense: boolean;
  slots: Slots;
  statuses: Int32Array;
  types: Int32Array;
  /** Split counters per slot, tallied now (0: none, or deferred). */
  width: number;
  typeAt: number;
  /** The status code of reversed conversions (-1: none): their revenue is not their type's. */
  reversedStatus: number;
  rowSlots: Int32Array;
  /** Note each row's slot + 1 in rowSlots (the split is deferred). */
  noteRows: boolean;
  /** Only the groups of the first this many keys are needed (0: all). */
  first: number;
}

/**
 * The largest of the smallest `size` keys seen so far (a max-heap of them): a row whose
 * key is past it cannot belong to the first groups, and is skipped.
 */
class Cutoff {
  private readonly heap: Float64Array;
  private count = 0;
  /** Keys above this are not among the first; Infinity until `size` keys were seen. */
  limit = Infinity;
  constructor(private readonly size: number) {
    this.heap = new Float64Array(size);
  }
  /** A key seen for the first time (below `limit`). */
  add(key: number): void {
    const heap = this.heap;
    if (this.count < this.size) {
      let at = this.count++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if ((heap[parent] as number) >= key) break;
        heap[at] = heap[parent] as number;
        at = parent;
      }
      heap[at] = key;
    } else {
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= this.size) break;
        const right = left + 1;
        const child = right < this.size && (heap[right] as number) > (heap[left] as number) ? right : left;
        if ((heap[child] as number) <= key) break;
        heap[at] = heap[child] as number;
        at = child;
      }
      heap[at] = key;
    }
    if (this.count === this.size) this.limit = heap[0] as number;
  }
}

/** Adds each row in the range that passes the filters to its group's slot; the sum of |money| moved (for the 2^53 check). */
export function tallyRows(l: RowLoop): number {
  const { size, from, to, time, placement, money, placementOk, placementKey, filterColumns, filterCodes, keyColumns, keyRanks } = l;
  const { keyStrides, time_, timeBase, timeStride, untils, offsetsMs, dense, hash, useDense, slots, statuses, types } = l;
  const { width, typeAt, rowSlots, noteRows } = l;
  // Asked for the first groups: once that many keys were seen, rows of larger keys are skipped (the groups kept
  // are then few, their counters in cache, and rows of later days in a date-first grouping cost one comparison).
  const cutoff = new Cutoff(l.first > 0 ? l.first : 1);
  const cut = l.first > 0;
  const filterCount = filterColumns.length;
  const keyCount = keyColumns.length;
  // The first key column apart from the others (most groupings have one): the generic loop cost ~30% more.
  const column0 = keyColumns[0] ?? new Int32Array(0);
  const rank0 = keyRanks[0] ?? new Int32Array(0);
  const stride0 = keyCount > 0 ? (keyStrides[0] as number) : 0;
  let { counts, sums, counters } = slots;
  let moved = 0;
  let timeLo = Infinity;
  let timeHi = -Infinity;
  let timeKey = 0;
  rows: for (let i = 1; i < size; i++) {
    const at = time[i] as number;
    // Also skips a rowid with no row (NaN).
    if (!(at >= from && at < to)) continue;
    const p = placement[i] as number;
    if (placementOk[p] === 0) continue;
    for (let f = 0; f < filterCount; f++) if ((filterColumns[f] as Int32Array)[i] !== filterCodes[f]) continue rows;
    let key = placementKey[p] as number;
    if (keyCount > 0) key += (rank0[column0[i] as number] as number) * stride0;
    for (let k = 1; k < keyCount; k++) {
      const code = (keyColumns[k] as Int32Array)[i] as number;
      key += ((keyRanks[k] as Int32Array)[code] as number) * (keyStrides[k] as number);
    }
    // Rows come mostly in time order: the last row's day (or bucket) and its bounds are kept, and worked out again
    // only when a row falls outside them.
    if (time_ !== 0) {
      if (!(at >= timeLo && at < timeHi)) {
        if (time_ === 1) {
          let s = 0;
          while (at >= (untils[s] as number)) s++;
          const offset = offsetsMs[s] as number;
          const day = Math.floor((at + offset) / DAY_MS);
          timeLo = Math.max(day * DAY_MS - offset, s > 0 ? (untils[s - 1] as number) : -Infinity);
          timeHi = Math.min((day + 1) * DAY_MS - offset, untils[s] as number);
          timeKey = (day - timeBase) * timeStride;
        } else {
          const bucket = Math.floor(at / BUCKET_MS);
          timeLo = bucket * BUCKET_MS;
          timeHi = timeLo + BUCKET_MS;
          timeKey = (bucket - timeBase) * timeStride;
        }
      }
      key += timeKey;
    }
    if (key > cutoff.limit) continue;
    let slot: number;
    if (useDense) {
      slot = (dense[key] as number) - 1;
      if (slot < 0) {
        slot = slots.add(key, i);
        dense[key] = slot + 1;
        ({ counts, sums, counters } = slots);
        if (cut) cutoff.add(key);
      }
    } else {
      slot = hash.get(key);
      if (slot < 0) {
        slot = slots.add(key, i);
        hash.set(key, slot);
        ({ counts, sums, counters } = slots);
        if (cut) cutoff.add(key);
      }
    }
    const m = money[i] as number;
    counts[slot] = (counts[slot] as number) + 1;
    sums[slot] = (sums[slot] as number) + m;
    if (noteRows) rowSlots[i] = slot + 1;
    else if (width > 0) tallySplit(counters, slot * width, typeAt, statuses[i] as number, types[i] as number, m, l.reversedStatus);
    moved += m < 0 ? -m : m;
  }
  return moved;
}

/**
 * Counts a row of `money` under its status and its type code in a group's split
 * counters (from `at`); a reversed row's money is not its type's (types show net revenue).
 */
export function tallySplit(
  counters: Float64Array,
  at: number,
  typeAt: number,
  status: number,
  type: number,
  money: number,
  reversedStatus: number,
): void {
  const s = at + 2 * status;
  counters[s] = (counters[s] as number) + 1;
  counters[s + 1] = (counters[s + 1] as number) + money;
  const t = at + typeAt + 2 * type;
  counters[t] = (counters[t] as number) + 1;
  if (status !== reversedStatus) counters[t + 1] = (counters[t + 1] as number) + money;
}
