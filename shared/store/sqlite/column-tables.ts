import { SUB_KEYS, TRAIT_KEYS } from '../../domain/entities.js';
import type { Dimension } from '../aggregates.js';

/** The text columns a row may set, each kept only once a row sets it: the subs, then the click's traits. */
export const TAG_KEYS = [...SUB_KEYS, ...TRAIT_KEYS] as const;
type TagKey = (typeof TAG_KEYS)[number];

/** rowid, time, campaign, offer, source, channel, money, the TAG_KEYS[, type, status]: a row as the column copy reads it. */
export type SourceRow = unknown[];

/** Strings of one column as small integers: 0 is null. */
export class Dictionary {
  readonly values: Array<string | null> = [null];
  private readonly codes = new Map<string, number>();
  code(value: string | null): number {
    if (value === null) return 0;
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codes.set(value, code);
    }
    return code;
  }
  /** The value's code, or -1 where no row has it. */
  find(value: string | null): number {
    return value === null ? 0 : (this.codes.get(value) ?? -1);
  }
  private ranked: Int32Array | null = null;
  /** Each code's place in the values' order (null first, then as JavaScript compares strings), kept until a value is added. */
  ranks(): Int32Array {
    if (this.ranked?.length === this.values.length) return this.ranked;
    const values = this.values;
    const codes = Array.from({ length: values.length - 1 }, (_, i) => i + 1).sort((a, b) => {
      const x = values[a] as string;
      const y = values[b] as string;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const ranks = new Int32Array(values.length);
    codes.forEach((code, rank) => (ranks[code] = rank + 1));
    this.ranked = ranks;
    return ranks;
  }
}

export const PLACEMENT_DIMS = ['campaign', 'offer', 'offer_source', 'traffic_channel'] as const;
export type PlacementDim = (typeof PLACEMENT_DIMS)[number];
export const isPlacementDim = (d: string): d is PlacementDim => (PLACEMENT_DIMS as readonly string[]).includes(d);

/** Placements (campaign, offer, source, channel) by number, each id a code of its column's dictionary. */
export class Placements {
  readonly dictionaries = Object.fromEntries(PLACEMENT_DIMS.map((d) => [d, new Dictionary()])) as Record<PlacementDim, Dictionary>;
  readonly of: Record<PlacementDim, number[]> = { campaign: [], offer: [], offer_source: [], traffic_channel: [] };
  private readonly numbers = new Map<string, number>();
  number(campaign: string, offer: string, source: string, channel: string): number {
    const text = `${campaign}\u0000${offer}\u0000${source}\u0000${channel}`;
    let n = this.numbers.get(text);
    if (n === undefined) {
      n = this.numbers.size;
      this.numbers.set(text, n);
      const ids = { campaign, offer, offer_source: source, traffic_channel: channel };
      for (const d of PLACEMENT_DIMS) this.of[d].push(this.dictionaries[d].code(ids[d]));
    }
    return n;
  }
  get size(): number {
    return this.numbers.size;
  }
}

/**
 * One table (clicks or conversions) as columns indexed by rowid: time, placement,
 * money (cost or payout micros, whole numbers in doubles: exact below 2^53), the subs
 * and traits any row set (a column appears with its first value), and for conversions type and
 * status. A rowid with no row has the time NaN, which no range holds (one load less
 * per row in a scan than a separate flag).
 */
export class Table {
  size = 0;
  capacity = 0;
  time = new Float64Array(0);
  placement = new Int32Array(0);
  money = new Float64Array(0);
  readonly subs = new Map<TagKey, Int32Array>();
  readonly subDictionaries = new Map<TagKey, Dictionary>();
  type: Int32Array | null;
  status: Int32Array | null;
  readonly typeDictionary = new Dictionary();
  readonly statusDictionary = new Dictionary();

  constructor(readonly typed: boolean) {
    this.type = typed ? new Int32Array(0) : null;
    this.status = typed ? new Int32Array(0) : null;
  }

  /** Room for rowids below `rowid + 1`: a quarter more at a time (doubling would leave most of 5M rows' room unused). */
  grow(rowid: number): void {
    if (rowid < this.capacity) return;
    const capacity = Math.max(rowid + 1, this.capacity + Math.max(65_536, Math.floor(this.capacity / 4)));
    const widen = <T extends Uint8Array | Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.time = widen(this.time, (n) => new Float64Array(n).fill(NaN));
    this.placement = widen(this.placement, (n) => new Int32Array(n));
    this.money = widen(this.money, (n) => new Float64Array(n));
    for (const [sub, column] of this.subs)
      this.subs.set(
        sub,
        widen(column, (n) => new Int32Array(n)),
      );
    if (this.type && this.status) {
      this.type = widen(this.type, (n) => new Int32Array(n));
      this.status = widen(this.status, (n) => new Int32Array(n));
    }
    this.capacity = capacity;
  }

  set(rowid: number, row: SourceRow, placements: Placements): void {
    this.grow(rowid);
    if (rowid >= this.size) this.size = rowid + 1;
    this.time[rowid] = Number(row[1]);
    this.placement[rowid] = placements.number(String(row[2]), String(row[3]), String(row[4]), String(row[5]));
    this.money[rowid] = Number(row[6]);
    for (let s = 0; s < TAG_KEYS.length; s++) {
      const value = row[7 + s] as string | null;
      const sub = TAG_KEYS[s] as TagKey;
      let column = this.subs.get(sub);
      if (!column) {
        if (value === null) continue;
        column = new Int32Array(this.capacity);
        this.subs.set(sub, column);
        this.subDictionaries.set(sub, new Dictionary());
      }
      column[rowid] = (this.subDictionaries.get(sub) as Dictionary).code(value);
    }
    if (this.type && this.status) {
      this.type[rowid] = this.typeDictionary.code(row[7 + TAG_KEYS.length] as string | null);
      this.status[rowid] = this.statusDictionary.code(row[8 + TAG_KEYS.length] as string | null);
    }
  }

  remove(rowid: number): void {
    if (rowid < this.size) this.time[rowid] = NaN;
  }

  /** The column and dictionary of a non-placement dimension; null where no row has a value (every row is null). */
  column(dim: Dimension): { codes: Int32Array; dictionary: Dictionary } | null {
    if (dim === 'type' && this.type) return { codes: this.type, dictionary: this.typeDictionary };
    if (dim === 'status' && this.status) return { codes: this.status, dictionary: this.statusDictionary };
    const codes = this.subs.get(dim as TagKey);
    return codes ? { codes, dictionary: this.subDictionaries.get(dim as TagKey) as Dictionary } : null;
  }
}
