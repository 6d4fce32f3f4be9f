import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { Database } from 'better-sqlite3';
import { SUB_KEYS, TRAIT_KEYS } from '../../shared/domain/entities.js';

/** The text columns a row may set, as the column copy reads them: the subs, then the click's traits. */
const TAGS = [...SUB_KEYS, ...TRAIT_KEYS];
import { REVERSED } from '../../shared/domain/reversal.js';
import { DAY_MS, type OffsetSegment } from '../../shared/domain/time-zone.js';
import { BUCKET_MS, type AggregateRow, type Dimension, type Filters, type Split, type TimeRange } from '../../shared/store/aggregates.js';
import type { ColumnCopy } from '../../shared/store/sqlite/columns.js';

/**
 * The report column copy's job done by DuckDB (an embedded column store), for
 * bench:report to measure the two side by side: the same clicks and conversions, read
 * from the SQLite file the same way (new rowids, then the `row_changes` log its
 * triggers keep), answering the same aggregates. Not used by the services: the
 * measurement decided (docs/decisions.md).
 */
export function createDuckdbCopy(db: Database): ColumnCopy {
  const SUBS = TAGS.join(', ');
  const SELECT = [
    `SELECT rowid, ts, campaign_id, offer_id, offer_source_id, traffic_channel_id, cost_micros, ${SUBS} FROM clicks`,
    `SELECT rowid, created_at, campaign_id, offer_id, offer_source_id, traffic_channel_id, payout_micros, ${SUBS}, type, status FROM conversions`,
  ] as const;
  const TABLES = ['clicks', 'conversions'] as const;
  const byRange = SELECT.map((sql) => db.prepare(`${sql} WHERE rowid > ? AND rowid <= ? ORDER BY rowid`).raw(true));
  const byRowid = SELECT.map((sql) => db.prepare(`${sql} WHERE rowid = ?`).raw(true));
  const maxRowid = TABLES.map((t) => db.prepare(`SELECT COALESCE(MAX(rowid), 0) FROM ${t}`).pluck());
  const lastSeq = db.prepare("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'row_changes'), 0)").pluck();
  const changes = db.prepare('SELECT tbl, row FROM row_changes WHERE seq > ? ORDER BY seq').raw(true);
  let duck: { instance: DuckDBInstance; connection: DuckDBConnection } | null = null;
  const loaded = [0, 0];
  let seen = 0;
  let state: 'idle' | 'loading' | 'ready' | 'closed' = 'idle';
  let loading: Promise<void> = Promise.resolve();

  const append = (appender: DuckDBAppender, t: 0 | 1, row: unknown[]): void => {
    appender.appendBigInt(BigInt(row[0] as number));
    appender.appendBigInt(BigInt(row[1] as number));
    for (let c = 2; c < 6; c++) appender.appendVarchar(row[c] as string);
    appender.appendBigInt(BigInt(row[6] as number));
    const last = 6 + TAGS.length + (t === 0 ? 0 : 2);
    for (let c = 7; c <= last; c++) {
      const value = row[c];
      if (value === null || value === undefined) appender.appendNull();
      else appender.appendVarchar(value as string);
    }
    appender.endRow();
  };
  const copyRange = async (connection: DuckDBConnection, t: 0 | 1, from: number, to: number): Promise<void> => {
    const appender = await connection.createAppender(TABLES[t]);
    for (const row of byRange[t]?.iterate(from, to) as Iterable<unknown[]>) append(appender, t, row);
    appender.closeSync();
  };

  const load = async (): Promise<void> => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const common = `rid BIGINT, t BIGINT, campaign VARCHAR, offer VARCHAR, offer_source VARCHAR, traffic_channel VARCHAR, money BIGINT, ${TAGS.map((s) => `${s} VARCHAR`).join(', ')}`;
    await connection.run(`CREATE TABLE clicks (${common})`);
    await connection.run(`CREATE TABLE conversions (${common}, type VARCHAR, status VARCHAR)`);
    duck = { instance, connection };
    seen = lastSeq.get() as number;
    for (const t of [0, 1] as const) {
      const max = maxRowid[t]?.get() as number;
      for (let from = 0; from < max && state === 'loading'; from += 100_000) {
        await copyRange(connection, t, from, Math.min(from + 100_000, max));
        await new Promise((resolve) => setImmediate(resolve));
      }
      loaded[t] = max;
    }
    if (state === 'loading') state = 'ready';
  };

  /** Rows added and changed since the last call (the copy's catch-up, into DuckDB). */
  const catchUp = async (connection: DuckDBConnection): Promise<void> => {
    const read = db.transaction(() => {
      const added = ([0, 1] as const).map((t) => {
        const max = maxRowid[t]?.get() as number;
        const rows = max > (loaded[t] as number) ? (byRange[t]?.all(loaded[t], max) as unknown[][]) : [];
        loaded[t] = Math.max(loaded[t] as number, max);
        return rows;
      });
      const last = lastSeq.get() as number;
      const changed = (changes.all(seen) as Array<[0 | 1, number]>).map(([t, rowid]) => ({
        t,
        rowid,
        row: (byRowid[t]?.get(rowid) as unknown[] | undefined) ?? null,
      }));
      seen = last;
      return { added, changed };
    });
    const { added, changed } = read();
    for (const { t, rowid } of changed) await connection.run(`DELETE FROM ${TABLES[t]} WHERE rid = ${String(rowid)}`);
    for (const t of [0, 1] as const) {
      const rows = [...(added[t] ?? []), ...changed.filter((c) => c.t === t && c.row !== null).map((c) => c.row as unknown[])];
      if (rows.length === 0) continue;
      const appender = await connection.createAppender(TABLES[t]);
      for (const row of rows) append(appender, t, row);
      appender.closeSync();
    }
  };

  const start = (): Promise<void> => {
    if (state === 'idle') {
      state = 'loading';
      loading = load();
    }
    return loading;
  };

  return {
    load: start,
    loaded: () => state === 'ready',
    async aggregate(of, groupBy, range, filters, offsets, split = false, first?: number) {
      if (state !== 'ready' || !duck) {
        void start();
        return null;
      }
      await catchUp(duck.connection);
      return query(duck.connection, of, groupBy, range, filters, offsets, split && of === 'conversions', first);
    },
    close() {
      state = 'closed';
      duck?.connection.closeSync();
      duck?.instance.closeSync();
    },
  };
}

const PLACEMENT: Partial<Record<Dimension, string>> = {
  campaign: 'campaign',
  offer: 'offer',
  offer_source: 'offer_source',
  traffic_channel: 'traffic_channel',
};

/** The SQL of a dimension: local day and 15-minute bucket from the time, the others a column. */
function columnOf(dim: Dimension, offsets: readonly OffsetSegment[]): string {
  if (dim === 'bucket') return `(t // ${String(BUCKET_MS)})`;
  if (dim === 'day') {
    if (offsets.length <= 1) return `((t + ${String(offsets[0]?.offsetMs ?? 0)}) // ${String(DAY_MS)})`;
    const cases = offsets.map((o) =>
      o.until === null ? `ELSE ${String(o.offsetMs)}` : `WHEN t < ${String(o.until)} THEN ${String(o.offsetMs)}`,
    );
    return `((t + CASE ${cases.join(' ')} END) // ${String(DAY_MS)})`;
  }
  return PLACEMENT[dim] ?? dim;
}

async function query(
  connection: DuckDBConnection,
  of: 'clicks' | 'conversions',
  groupBy: readonly Dimension[],
  range: TimeRange,
  filters: Filters,
  offsets: readonly OffsetSegment[],
  split: boolean,
  first: number | undefined,
): Promise<AggregateRow[]> {
  const where: string[] = [];
  const params: DuckDBValue[] = [];
  for (const [dim, value] of Object.entries(filters) as Array<[Dimension, string | null | undefined]>) {
    if (value === undefined) continue;
    if (value === null) where.push(`${columnOf(dim, offsets)} IS NULL`);
    else {
      where.push(`${columnOf(dim, offsets)} = ?`);
      params.push(value);
    }
  }
  if (range.from !== null) where.push(`t >= ${String(range.from)}`);
  if (range.to !== null) where.push(`t < ${String(range.to)}`);
  const dims = groupBy.map((d, i) => `${columnOf(d, offsets)} AS d${String(i)}`);
  const names = groupBy.map((_, i) => `d${String(i)}`);
  const order = names.map((n) => `${n} ASC NULLS FIRST`).join(', ');
  const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const extra = split ? ['status', 'type'] : [];
  const groupSql = [...names, ...extra].length > 0 ? `GROUP BY ${[...names, ...extra].join(', ')}` : '';
  const inner = `SELECT ${[...dims, ...extra, 'count(*) AS n', 'sum(money) AS s'].join(', ')} FROM ${of} ${whereSql} ${groupSql}`;
  let sql: string;
  if (!split) sql = `${inner}${first !== undefined && names.length > 0 ? ` ORDER BY ${order} LIMIT ${String(first)}` : ''}`;
  else if (first !== undefined && names.length > 0) {
    const on = names.map((n) => `g.${n} IS NOT DISTINCT FROM k.${n}`).join(' AND ');
    sql = `WITH g AS (${inner}), k AS (SELECT DISTINCT ${names.join(', ')} FROM g ORDER BY ${order} LIMIT ${String(first)})
      SELECT g.* FROM g JOIN k ON ${on}`;
  } else sql = inner;
  const reader = await connection.runAndReadAll(sql, params);
  const rows = reader.getRowsJS() as unknown[][];
  const groups = new Map<string, AggregateRow & { split?: Split }>();
  const out: AggregateRow[] = [];
  for (const row of rows) {
    const values = names.map((_, i) => (row[i] === null ? null : String(row[i] as string | bigint | number)));
    const n = Number(row[row.length - 2]);
    const sum = (row[row.length - 1] as bigint | null) ?? 0n;
    if (groupBy.length === 0 && n === 0) continue;
    const id = JSON.stringify(values);
    let group = groups.get(id);
    if (!group) {
      group = {
        key: Object.fromEntries(groupBy.map((d, i) => [d, values[i] ?? null])),
        count: 0,
        revenueMicros: 0n,
        costMicros: 0n,
        distinctClicks: 0,
        ...(split ? { split: { byStatus: new Map(), byType: new Map() } } : {}),
      };
      groups.set(id, group);
      out.push(group);
    }
    group.count += n;
    if (of === 'clicks') {
      group.costMicros += sum;
      group.distinctClicks += n;
    } else group.revenueMicros += sum;
    if (group.split) {
      const status = row[names.length] as string;
      const type = row[names.length + 1] as string | null;
      add(group.split.byStatus, status, n, sum);
      add(group.split.byType, type, n, status === REVERSED ? 0n : sum);
    }
  }
  if (first !== undefined) {
    const key = (r: AggregateRow): Array<string | null> => groupBy.map((d) => r.key[d] ?? null);
    out.sort((a, b) => compareKeys(key(a), key(b), groupBy));
  }
  return out;
}

function add<K>(map: Map<K, { count: number; revenueMicros: bigint }>, key: K, count: number, revenueMicros: bigint): void {
  const tally = map.get(key);
  if (tally) {
    tally.count += count;
    tally.revenueMicros += revenueMicros;
  } else map.set(key, { count, revenueMicros });
}

/** Group order: nulls first, time numerically, the rest as strings. */
function compareKeys(a: Array<string | null>, b: Array<string | null>, groupBy: readonly Dimension[]): number {
  for (let i = 0; i < groupBy.length; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    const numeric = groupBy[i] === 'day' || groupBy[i] === 'bucket';
    const c = numeric ? Number(x) - Number(y) : x < y ? -1 : 1;
    if (c !== 0) return c;
  }
  return 0;
}
