import type { Database } from 'better-sqlite3';
import { SUB_KEYS, type SubKey } from '../../domain/entities.js';
import type { OffsetSegment } from '../../domain/time-zone.js';
import { BUCKET_MS, type AggregateRow, type Dimension, type Filters, type Tally, type TimeRange } from '../aggregates.js';

const DAY_MS = 86_400_000;

/**
 * What the column copy cannot see by rowid: rows updated (conversions re-applied, click
 * costs) or deleted, logged by triggers in the writer's own transaction. New rows are
 * new rowids. The log keeps its newest `KEEP_CHANGES` rows (trimChanges); a copy that
 * fell further behind loads again.
 */
export const CHANGES_SCHEMA = `
CREATE TABLE IF NOT EXISTS row_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl INTEGER NOT NULL, row INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS clicks_updated AFTER UPDATE ON clicks BEGIN INSERT INTO row_changes (tbl, row) VALUES (0, NEW.rowid); END;
CREATE TRIGGER IF NOT EXISTS clicks_deleted AFTER DELETE ON clicks BEGIN INSERT INTO row_changes (tbl, row) VALUES (0, OLD.rowid); END;
CREATE TRIGGER IF NOT EXISTS conversions_updated AFTER UPDATE ON conversions BEGIN INSERT INTO row_changes (tbl, row) VALUES (1, NEW.rowid); END;
CREATE TRIGGER IF NOT EXISTS conversions_deleted AFTER DELETE ON conversions BEGIN INSERT INTO row_changes (tbl, row) VALUES (1, OLD.rowid); END;
`;
const KEEP_CHANGES = 1_000_000;

/** Drops the oldest changes past the newest `keep`, noting how far (a writer calls it when idle, in a transaction). */
export function trimChanges(db: Database, keep = KEEP_CHANGES): void {
  const last = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'row_changes'").get()?.seq ?? 0;
  const below = last - keep;
  if (below <= 0 || !db.prepare('SELECT 1 FROM row_changes WHERE seq <= ? LIMIT 1').get(below)) return;
  db.prepare('DELETE FROM row_changes WHERE seq <= ?').run(below);
  db.prepare("INSERT INTO meta (key, value) VALUES ('row_changes_trimmed', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
    String(below),
  );
}

/** Strings of one column as small integers: 0 is null. */
class Dictionary {
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
}

const PLACEMENT_DIMS = ['campaign', 'offer', 'offer_source', 'traffic_channel'] as const;
type PlacementDim = (typeof PLACEMENT_DIMS)[number];
const isPlacementDim = (d: string): d is PlacementDim => (PLACEMENT_DIMS as readonly string[]).includes(d);

/** Placements (campaign, offer, source, channel) by number, each id a code of its column's dictionary. */
class Placements {
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
 * any row set (a column appears with its first value), and for conversions type and
 * status. `live` is 0 for rowids with no row.
 */
class Table {
  size = 0;
  capacity = 0;
  live = new Uint8Array(0);
  time = new Float64Array(0);
  placement = new Int32Array(0);
  money = new Float64Array(0);
  readonly subs = new Map<SubKey, Int32Array>();
  readonly subDictionaries = new Map<SubKey, Dictionary>();
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
    this.live = widen(this.live, (n) => new Uint8Array(n));
    this.time = widen(this.time, (n) => new Float64Array(n));
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
    this.live[rowid] = 1;
    this.time[rowid] = Number(row[1]);
    this.placement[rowid] = placements.number(String(row[2]), String(row[3]), String(row[4]), String(row[5]));
    this.money[rowid] = Number(row[6]);
    for (let s = 0; s < SUB_KEYS.length; s++) {
      const value = row[7 + s] as string | null;
      const sub = SUB_KEYS[s] as SubKey;
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
      this.type[rowid] = this.typeDictionary.code(row[17] as string | null);
      this.status[rowid] = this.statusDictionary.code(row[18] as string | null);
    }
  }

  remove(rowid: number): void {
    if (rowid < this.size) this.live[rowid] = 0;
  }

  /** The column and dictionary of a non-placement dimension; null where no row has a value (every row is null). */
  column(dim: Dimension): { codes: Int32Array; dictionary: Dictionary } | null {
    if (dim === 'type' && this.type) return { codes: this.type, dictionary: this.typeDictionary };
    if (dim === 'status' && this.status) return { codes: this.status, dictionary: this.statusDictionary };
    const codes = this.subs.get(dim as SubKey);
    return codes ? { codes, dictionary: this.subDictionaries.get(dim as SubKey) as Dictionary } : null;
  }
}

/** rowid, time, campaign, offer, source, channel, money, sub1..sub10[, type, status]. */
type SourceRow = unknown[];
const SUB_LIST = SUB_KEYS.join(', ');
const SELECT = [
  `SELECT rowid, ts, campaign_id, offer_id, offer_source_id, traffic_channel_id, cost_micros, ${SUB_LIST} FROM clicks`,
  `SELECT rowid, created_at, campaign_id, offer_id, offer_source_id, traffic_channel_id, payout_micros, ${SUB_LIST}, type, status FROM conversions`,
] as const;
const LOAD_CHUNK = 100_000;

export interface ColumnCopy {
  /** Starts loading (in the background, a chunk at a time) if not yet; resolves once loaded. */
  load(): Promise<void>;
  /** True once loaded: aggregates scan the copy instead of reading SQL. */
  loaded(): boolean;
  /**
   * Clicks or conversions per group over the raw rows, brought up to date with the file
   * first; null while loading, or where the groups are too many to key (the caller reads SQL).
   */
  aggregate(
    of: 'clicks' | 'conversions',
    groupBy: readonly Dimension[],
    range: TimeRange,
    filters: Filters,
    offsets: readonly OffsetSegment[],
    /** Conversions: rows of `groupBy` each with its split by status and type. */
    split?: boolean,
  ): AggregateRow[] | null;
  close(): void;
}

/**
 * A copy of the clicks and conversions in memory, as columns, for the groupings no
 * rollup serves (subs by local day, subs of many values across all traffic): a scan of
 * 5M clicks is tens of milliseconds. It is as exact as the raw rows: before each
 * aggregate it reads, in one read transaction, the rows added since (new rowids) and
 * the rows changed or deleted since (the `row_changes` log the triggers keep). Kept by
 * the report service only; ~30 bytes a click and ~40 a conversion with three subs.
 */
export function createColumnCopy(db: Database): ColumnCopy {
  const byRange = SELECT.map((sql) => db.prepare(`${sql} WHERE rowid > ? AND rowid <= ? ORDER BY rowid`).raw(true));
  const byRowid = SELECT.map((sql) => db.prepare(`${sql} WHERE rowid = ?`).raw(true));
  const maxRowid = ['clicks', 'conversions'].map((t) => db.prepare(`SELECT COALESCE(MAX(rowid), 0) FROM ${t}`).pluck());
  const lastSeq = db.prepare("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'row_changes'), 0)").pluck();
  const trimmedTo = db.prepare("SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'row_changes_trimmed'), 0)").pluck();
  const changes = db.prepare('SELECT tbl, row FROM row_changes WHERE seq > ? ORDER BY seq').raw(true);
  let copy = empty();
  let state: 'idle' | 'loading' | 'ready' | 'closed' = 'idle';
  let loading: Promise<void> = Promise.resolve();

  function empty() {
    return { placements: new Placements(), tables: [new Table(false), new Table(true)] as const, loaded: [0, 0], seen: 0 };
  }
  const loadRange = (t: 0 | 1, from: number, to: number): void => {
    for (const row of byRange[t]?.iterate(from, to) as Iterable<SourceRow>) copy.tables[t].set(Number(row[0]), row, copy.placements);
  };
  /** Rows added and changed since the last call, in one read transaction; false where the change log no longer reaches back. */
  const catchUp = db.transaction((): boolean => {
    if ((trimmedTo.get() as number) > copy.seen) return false;
    for (const t of [0, 1] as const) {
      const max = maxRowid[t]?.get() as number;
      if (max > (copy.loaded[t] as number)) loadRange(t, copy.loaded[t] as number, max);
      copy.loaded[t] = Math.max(copy.loaded[t] as number, max);
    }
    const last = lastSeq.get() as number;
    for (const [t, rowid] of changes.iterate(copy.seen) as Iterable<[0 | 1, number]>) {
      const row = byRowid[t]?.get(rowid) as SourceRow | undefined;
      if (row) copy.tables[t].set(rowid, row, copy.placements);
      else copy.tables[t].remove(rowid);
    }
    copy.seen = last;
    return true;
  });

  const load = async (): Promise<void> => {
    copy = empty();
    copy.seen = lastSeq.get() as number;
    // Chunks in separate reads, the event loop free between them; a row changed meanwhile is in row_changes after `seen`.
    for (const t of [0, 1] as const) {
      const max = maxRowid[t]?.get() as number;
      copy.tables[t].grow(max);
      for (let from = 0; from < max && state === 'loading'; from += LOAD_CHUNK) {
        loadRange(t, from, Math.min(from + LOAD_CHUNK, max));
        await new Promise((resolve) => setImmediate(resolve));
      }
      copy.loaded[t] = max;
    }
    if (state === 'loading') state = 'ready';
  };
  const start = (): Promise<void> => {
    if (state === 'idle') {
      state = 'loading';
      loading = load().catch((err: unknown) => {
        // The file closed under it, or a read failed: SQL answers, and the next aggregate tries again.
        if (state === 'loading') state = 'idle';
        if (state !== 'closed') throw err;
      });
    }
    return loading;
  };

  return {
    load: start,
    loaded: () => state === 'ready',
    aggregate(of, groupBy, range, filters, offsets, split = false) {
      if (state !== 'ready') {
        void start().catch(() => undefined);
        return null;
      }
      if (!catchUp()) {
        state = 'idle';
        void start().catch(() => undefined);
        return null;
      }
      return scan(
        copy.tables[of === 'clicks' ? 0 : 1],
        copy.placements,
        of,
        groupBy,
        range,
        filters,
        offsets,
        split && of === 'conversions',
      );
    },
    close() {
      state = 'closed';
    },
  };
}

/** Per-group accumulators, by slot: a count, a sum and a row of the group; typed arrays, grown by doubling. */
class Slots {
  size = 0;
  rows = new Int32Array(1024);
  counts = new Float64Array(1024);
  sums = new Float64Array(1024);
  /** A new slot whose sample row is `row`; its number. */
  add(row: number): number {
    if (this.size === this.rows.length) {
      const twice = <T extends Int32Array | Float64Array>(old: T): T => {
        const next = new (old.constructor as new (n: number) => T)(old.length * 2);
        next.set(old);
        return next;
      };
      this.rows = twice(this.rows);
      this.counts = twice(this.counts);
      this.sums = twice(this.sums);
    }
    this.rows[this.size] = row;
    return this.size++;
  }
  tally(slot: number, money: number): void {
    this.counts[slot] = (this.counts[slot] as number) + 1;
    this.sums[slot] = (this.sums[slot] as number) + money;
  }
}

/** Per slot and code, a count and a sum (`codes` per slot). */
interface CodeTallies {
  codes: number;
  counts: Float64Array;
  sums: Float64Array;
}

/**
 * The split of each slot by status and by type code, from the rows a scan matched
 * (`rows[k]` in slot `slotOf[k]`). Tallied straight, a sub's tens of thousands of
 * groups spread these counters over megabytes and nearly every row missed the cache
 * (200 ns a row); so the rows are first ordered by slot range, each range's counters
 * small enough to stay in cache, and tallied range by range.
 */
function splitBySlot(
  n: number,
  rows: Int32Array,
  slotOf: Int32Array,
  slotCount: number,
  money: Float64Array,
  columns: ReadonlyArray<{ codes: Int32Array; count: number }>,
): CodeTallies[] {
  const tallies = columns.map(({ count }) => ({
    codes: count,
    counts: new Float64Array(slotCount * count),
    sums: new Float64Array(slotCount * count),
  }));
  const bytesPerSlot = 16 * columns.reduce((sum, c) => sum + c.count, 0);
  let shift = 0;
  while ((2 << shift) * bytesPerSlot <= 256 * 1024) shift++;
  const ranges = (slotCount >> shift) + 1;
  const starts = new Int32Array(ranges + 1);
  for (let k = 0; k < n; k++) {
    const r = ((slotOf[k] as number) >> shift) + 1;
    starts[r] = (starts[r] as number) + 1;
  }
  for (let r = 0; r < ranges; r++) starts[r + 1] = (starts[r + 1] as number) + (starts[r] as number);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const r = (slotOf[k] as number) >> shift;
    order[starts[r] as number] = k;
    starts[r] = (starts[r] as number) + 1;
  }
  for (let o = 0; o < n; o++) {
    const k = order[o] as number;
    const i = rows[k] as number;
    const slot = slotOf[k] as number;
    const m = money[i] as number;
    for (let c = 0; c < columns.length; c++) {
      const { codes, count } = columns[c] as { codes: Int32Array; count: number };
      const { counts, sums } = tallies[c] as CodeTallies;
      const at = slot * count + (codes[i] as number);
      counts[at] = (counts[at] as number) + 1;
      sums[at] = (sums[at] as number) + m;
    }
  }
  return tallies;
}

/** Largest key space given a table of slots; past it, a Map. */
const DENSE_KEYS = 1 << 22;

function scan(
  table: Table,
  placements: Placements,
  of: 'clicks' | 'conversions',
  groupBy: readonly Dimension[],
  range: TimeRange,
  filters: Filters,
  offsets: readonly OffsetSegment[],
  split: boolean,
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
  const keyColumns: Int32Array[] = [];
  const keyStrides: number[] = [];
  let keys = 1;
  let timeDim: 'day' | 'bucket' | null = null;
  let timeBase = 0;
  let timeStride = 0;
  const placementParts: Array<{ dim: PlacementDim; stride: number }> = [];
  const dayOf = localDayFn(offsets);
  const [minTime, maxTime] = timeBounds(table, from, to);
  for (const dim of groupBy) {
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
      keyStrides.push(keys);
      keys *= column.dictionary.values.length;
    }
  }
  if (keys > Number.MAX_SAFE_INTEGER) return null;
  const placementKey = new Float64Array(placements.size);
  for (const { dim, stride } of placementParts) {
    const of = placements.of[dim];
    for (let p = 0; p < placementKey.length; p++) placementKey[p] = (placementKey[p] as number) + (of[p] as number) * stride;
  }

  const dense = keys <= DENSE_KEYS ? new Int32Array(keys) : null;
  const sparse = dense ? null : new Map<number, number>();
  // Per slot (group): a count, a sum, a row of it; with a split, a count and a sum per status and per type code.
  const statuses = split ? table.status : null;
  const types = split ? table.type : null;
  const statusCodes = table.statusDictionary.values.length;
  const typeCodes = table.typeDictionary.values.length;
  const slots = new Slots();
  // With a split, the rows matched and their slots, for splitBySlot.
  const matchedRows = statuses && types ? new Int32Array(table.size) : null;
  const matchedSlots = statuses && types ? new Int32Array(table.size) : null;
  let matched = 0;
  let moved = 0;
  const { live, time, placement, money, size } = table;
  const filterCount = filterColumns.length;
  const keyCount = keyColumns.length;
  const byDay = timeDim === 'day';
  const byBucket = timeDim === 'bucket';
  rows: for (let i = 1; i < size; i++) {
    if (live[i] === 0) continue;
    const at = time[i] as number;
    if (at < from || at >= to) continue;
    const p = placement[i] as number;
    if (placementOk[p] === 0) continue;
    for (let f = 0; f < filterCount; f++) if ((filterColumns[f] as Int32Array)[i] !== filterCodes[f]) continue rows;
    let key = placementKey[p] as number;
    for (let k = 0; k < keyCount; k++) key += ((keyColumns[k] as Int32Array)[i] as number) * (keyStrides[k] as number);
    if (byDay) key += (dayOf(at) - timeBase) * timeStride;
    else if (byBucket) key += (Math.floor(at / BUCKET_MS) - timeBase) * timeStride;
    let slot: number;
    if (dense) {
      slot = (dense[key] as number) - 1;
      if (slot < 0) {
        slot = slots.add(i);
        dense[key] = slot + 1;
      }
    } else {
      const found = (sparse as Map<number, number>).get(key);
      if (found === undefined) {
        slot = slots.add(i);
        (sparse as Map<number, number>).set(key, slot);
      } else slot = found;
    }
    const m = money[i] as number;
    slots.tally(slot, m);
    if (matchedRows && matchedSlots) {
      matchedRows[matched] = i;
      matchedSlots[matched++] = slot;
    }
    moved += m < 0 ? -m : m;
  }
  // Whole micros summed in doubles are exact while no sum can pass 2^53; past that, SQL sums them.
  if (moved > Number.MAX_SAFE_INTEGER) return null;

  const valueOf = (dim: Dimension, i: number): string | null => {
    if (dim === 'day') return String(dayOf(time[i] as number));
    if (dim === 'bucket') return String(Math.floor((time[i] as number) / BUCKET_MS));
    if (isPlacementDim(dim)) return placements.dictionaries[dim].values[placements.of[dim][placement[i] as number] as number] ?? null;
    const column = table.column(dim);
    return column ? (column.dictionary.values[column.codes[i] as number] ?? null) : null;
  };
  const { counts, sums } = slots;
  const keyOf = (i: number): AggregateRow['key'] => {
    const key: AggregateRow['key'] = {};
    for (const dim of groupBy) key[dim] = valueOf(dim, i);
    return key;
  };
  const [byStatus, byType] =
    statuses && types && matchedRows && matchedSlots
      ? splitBySlot(matched, matchedRows, matchedSlots, slots.size, money, [
          { codes: statuses, count: statusCodes },
          { codes: types, count: typeCodes },
        ])
      : [];
  const tallies = <K>(slot: number, { codes, counts: n, sums: s }: CodeTallies, valueOfCode: (code: number) => K): Map<K, Tally> => {
    const map = new Map<K, Tally>();
    for (let c = 0; c < codes; c++) {
      const count = n[slot * codes + c] as number;
      if (count > 0) map.set(valueOfCode(c), { count, revenueMicros: BigInt(s[slot * codes + c] as number) });
    }
    return map;
  };
  return Array.from({ length: slots.size }, (_, slot): AggregateRow => {
    const i = slots.rows[slot] as number;
    const count = counts[slot] as number;
    const sum = BigInt(sums[slot] as number);
    return {
      key: keyOf(i),
      count,
      revenueMicros: of === 'conversions' ? sum : 0n,
      costMicros: of === 'clicks' ? sum : 0n,
      distinctClicks: of === 'clicks' ? count : 0,
      ...(byStatus && byType
        ? {
            split: {
              byStatus: tallies(slot, byStatus, (c) => table.statusDictionary.values[c] ?? ''),
              byType: tallies(slot, byType, (c) => table.typeDictionary.values[c] ?? null),
            },
          }
        : {}),
    };
  });
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
    if (table.live[i] === 0) continue;
    const at = table.time[i] as number;
    if (at < from || at >= to) continue;
    if (at < min) min = at;
    if (at > max) max = at;
  }
  return min === Infinity ? [0, 0] : [min, max];
}
