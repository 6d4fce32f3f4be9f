/** What a scan accumulates groups in: slots, a hash of group keys, reusable work arrays. */

/**
 * Per-group accumulators, by slot: a count, a sum and a row of the group; with a split,
 * `width` more doubles per slot, a (count, sum) pair per status code then per type code,
 * side by side so a row touches one or two cache lines of its slot. Grown by doubling;
 * one set of them serves every scan (`reset`), as do the other work arrays (`zeroed`):
 * allocating megabytes of buffers per report made V8 collect garbage for ~200 ms of
 * a 650 ms report.
 */
export class Slots {
  size = 0;
  width = 0;
  rows = new Int32Array(1024);
  /** Each slot's group key. */
  keys = new Float64Array(1024);
  counts = new Float64Array(1024);
  sums = new Float64Array(1024);
  counters = new Float64Array(0);
  /** Empty, with `width` split counters per slot. */
  reset(width: number): this {
    this.size = 0;
    this.width = width;
    if (this.counters.length < this.rows.length * width) this.counters = new Float64Array(this.rows.length * width);
    return this;
  }
  /** A new slot for the group `key`, whose sample row is `row`; its number. */
  add(key: number, row: number): number {
    if (this.size === this.rows.length) {
      const twice = <T extends Int32Array | Float64Array>(old: T): T => {
        const next = new (old.constructor as new (n: number) => T)(old.length * 2);
        next.set(old);
        return next;
      };
      this.rows = twice(this.rows);
      this.keys = twice(this.keys);
      this.counts = twice(this.counts);
      this.sums = twice(this.sums);
      this.counters = twice(this.counters);
    }
    this.rows[this.size] = row;
    this.keys[this.size] = key;
    this.counts[this.size] = 0;
    this.sums[this.size] = 0;
    if (this.width > 0) this.counters.fill(0, this.size * this.width, (this.size + 1) * this.width);
    return this.size++;
  }
}

/** The one set of slots every scan uses. */
export const SLOTS = new Slots();
const pool = new Map<string, Int32Array>();
/** A work array of `length` zeros, kept between scans (scans are synchronous, one at a time). */
export function zeroed(name: string, length: number): Int32Array {
  let array = pool.get(name);
  if (!array || array.length < length) {
    array = new Int32Array(length);
    pool.set(name, array);
  } else array.fill(0, 0, length);
  return array;
}

/**
 * Group keys (whole numbers below 2^53) to slots, for key spaces too big for a table
 * indexed by key: open addressing, linear probing, Fibonacci hashing, grown at half
 * full. A dense table of campaign × a 20,000-value sub is 16 MB read at random (a
 * cache miss a row); this one is a few times the groups that occur.
 */
export class KeyTable {
  private bits = 10;
  private used = 0;
  private keys = new Float64Array(1 << 10);
  /** slot + 1; 0 is empty. */
  private slots = new Int32Array(1 << 10);

  private home(key: number): number {
    return Math.imul((key | 0) ^ Math.floor(key / 4_294_967_296), 0x9e3779b1) >>> (32 - this.bits);
  }
  /** The slot of `key`, or -1. */
  get(key: number): number {
    const mask = (1 << this.bits) - 1;
    for (let at = this.home(key); ; at = (at + 1) & mask) {
      const slot = this.slots[at] as number;
      if (slot === 0) return -1;
      if (this.keys[at] === key) return slot - 1;
    }
  }
  set(key: number, slot: number): void {
    if (2 * (this.used + 1) > 1 << this.bits) this.grow();
    const mask = (1 << this.bits) - 1;
    let at = this.home(key);
    while (this.slots[at] !== 0) at = (at + 1) & mask;
    this.keys[at] = key;
    this.slots[at] = slot + 1;
    this.used++;
  }
  private grow(): void {
    const { keys, slots } = this;
    this.bits++;
    this.keys = new Float64Array(1 << this.bits);
    this.slots = new Int32Array(1 << this.bits);
    this.used = 0;
    for (let at = 0; at < slots.length; at++) if (slots[at] !== 0) this.set(keys[at] as number, (slots[at] as number) - 1);
  }
}

/** Largest key space kept as a table indexed by key (4 MB); past it, a KeyTable. */
export const DENSE_KEYS = 1 << 20;
