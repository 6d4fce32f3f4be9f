import { createHash } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { DAY_MS } from '../rollup-plan.js';
import { BUCKET_MS } from '../store.js';
import type { SubCostDelta } from '../../domain/cost-plan.js';
import { SUB_KEYS } from '../../domain/entities.js';
import type { ConversionDelta } from '../rollup-deltas.js';
import type { ClickRow } from './rows.js';

const PLACEMENT = 'campaign_id TEXT NOT NULL, offer_id TEXT NOT NULL, offer_source_id TEXT NOT NULL, traffic_channel_id TEXT NOT NULL';
const PLACEMENT_KEY = 'campaign_id, offer_id, offer_source_id, traffic_channel_id';

/**
 * Rollups, kept in the same transaction as every click and conversion write, so they
 * are exactly the raw tables summed: per 15-minute bucket (by type and status), per
 * UTC day (by placement, type and status), and per UTC day and sub (by the sub's value,
 * placement, type and status; `sub` is 1..10, one row set per sub a click has). The
 * main conversion's type is '' here.
 *
 * Sub values are many and scattered (a zone or placement id per click), so updating
 * their rows in place dirtied a page per sub per postback and made each commit write
 * far more: the worker drained ~20% slower. Instead each change is appended to a log
 * (`log_*_sd`, a few pages per commit, a batch's rows in a few statements) and the log
 * is folded into the rollup, sorted: once the process has been idle for
 * `FOLD_WHEN_IDLE_MS`, or in the transaction that crosses `FOLD_EVERY` rows, so a
 * burst is not slowed by folding and the log stays bounded. A read adds the rollup and
 * the log. In the sub rollups a placement (campaign, offer, source,
 * channel) is one integer, a hash of the four ids kept in `placements`.
 */
export const ROLLUP_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS roll_click_q (bucket INTEGER PRIMARY KEY, n INTEGER NOT NULL, cost INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS roll_conv_q (
  bucket INTEGER NOT NULL, type_key TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL, revenue INTEGER NOT NULL,
  PRIMARY KEY (bucket, type_key, status)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS roll_click_d (
  day INTEGER NOT NULL, ${PLACEMENT}, n INTEGER NOT NULL, cost INTEGER NOT NULL,
  PRIMARY KEY (day, ${PLACEMENT_KEY})
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS roll_conv_d (
  day INTEGER NOT NULL, ${PLACEMENT}, type_key TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL, revenue INTEGER NOT NULL,
  PRIMARY KEY (day, ${PLACEMENT_KEY}, type_key, status)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS placements (id INTEGER PRIMARY KEY, ${PLACEMENT});
CREATE TABLE IF NOT EXISTS roll_click_sd (
  sub INTEGER NOT NULL, day INTEGER NOT NULL, value TEXT NOT NULL, placement INTEGER NOT NULL, n INTEGER NOT NULL, cost INTEGER NOT NULL,
  PRIMARY KEY (sub, day, value, placement)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS roll_conv_sd (
  sub INTEGER NOT NULL, day INTEGER NOT NULL, value TEXT NOT NULL, placement INTEGER NOT NULL, type_key TEXT NOT NULL, status TEXT NOT NULL,
  n INTEGER NOT NULL, revenue INTEGER NOT NULL,
  PRIMARY KEY (sub, day, value, placement, type_key, status)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_click_sd (sub INTEGER NOT NULL, day INTEGER NOT NULL, value TEXT NOT NULL, placement INTEGER NOT NULL,
  n INTEGER NOT NULL, cost INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS log_conv_sd (sub INTEGER NOT NULL, day INTEGER NOT NULL, value TEXT NOT NULL, placement INTEGER NOT NULL,
  type_key TEXT NOT NULL, status TEXT NOT NULL, n INTEGER NOT NULL, revenue INTEGER NOT NULL);
`;

// 3: the sub rollups. A store of an older version rebuilds them all when it opens.
const VERSION = '3';
/** Log rows a process appends before it folds the log into the sub rollups at once (tests fold every row). */
const FOLD_EVERY = 200_000;
/** Otherwise the log is folded once the process has written nothing for this long. */
const FOLD_WHEN_IDLE_MS = 1000;

/** `sub7` → 7, the sub column of the sub rollups. */
const subNumber = (key: string): number => Number(key.slice(3));

const placementIds = new Map<string, bigint>();
/** The placement's id: the first 8 bytes of a SHA-1 of its four ids (a collision needs ~2^32 placements). */
export function placementId(campaign: string, offer: string, source: string, channel: string): bigint {
  const text = `${campaign}|${offer}|${source}|${channel}`;
  let id = placementIds.get(text);
  if (id === undefined) {
    id = createHash('sha1').update(text).digest().readBigInt64BE(0);
    if (placementIds.size > 100_000) placementIds.clear();
    placementIds.set(text, id);
  }
  return id;
}

export interface Rollups {
  click(row: ClickRow): void;
  /** Moves a click's cost by `delta` micros (a cost update). */
  clickCost(row: Pick<ClickRow, 'ts' | 'campaign_id' | 'offer_id' | 'offer_source_id' | 'traffic_channel_id'>, delta: number): void;
  /** Applies conversion rollup changes (`conversionDeltas`); a row whose count reaches 0 is removed. */
  conversions(deltas: readonly ConversionDelta[]): void;
  /** Moves sub rollup rows by a cost update's deltas. */
  subCosts(deltas: readonly SubCostDelta[]): void;
  /** Stops the idle fold (the store is closing). */
  close(): void;
}

export function createRollups(db: Database, foldEvery = FOLD_EVERY): Rollups {
  db.function(
    'placement_id',
    { deterministic: true, safeIntegers: true },
    (campaign: unknown, offer: unknown, source: unknown, channel: unknown) =>
      placementId(String(campaign), String(offer), String(source), String(channel)),
  );
  db.exec(ROLLUP_SCHEMA);
  rebuildIfOld(db);
  const clickQ = db.prepare(
    'INSERT INTO roll_click_q (bucket, n, cost) VALUES (?, 1, ?) ON CONFLICT (bucket) DO UPDATE SET n = n + 1, cost = cost + excluded.cost',
  );
  const clickD = db.prepare(
    `INSERT INTO roll_click_d (day, ${PLACEMENT_KEY}, n, cost) VALUES (?, ?, ?, ?, ?, 1, ?)
     ON CONFLICT (day, ${PLACEMENT_KEY}) DO UPDATE SET n = n + 1, cost = cost + excluded.cost`,
  );
  const convQ = db.prepare(
    `INSERT INTO roll_conv_q (bucket, type_key, status, n, revenue) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (bucket, type_key, status) DO UPDATE SET n = n + excluded.n, revenue = revenue + excluded.revenue`,
  );
  const convD = db.prepare(
    `INSERT INTO roll_conv_d (day, ${PLACEMENT_KEY}, type_key, status, n, revenue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (day, ${PLACEMENT_KEY}, type_key, status) DO UPDATE SET n = n + excluded.n, revenue = revenue + excluded.revenue`,
  );
  const costQ = db.prepare('UPDATE roll_click_q SET cost = cost + ? WHERE bucket = ?');
  const costD = db.prepare(
    `UPDATE roll_click_d SET cost = cost + ? WHERE day = ? AND campaign_id = ? AND offer_id = ? AND offer_source_id = ? AND traffic_channel_id = ?`,
  );
  const placementSQL = db.prepare(`INSERT OR IGNORE INTO placements (id, ${PLACEMENT_KEY}) VALUES (?, ?, ?, ?, ?)`);
  /** The placement's id, its row written if new (always asked: a rolled-back transaction may have taken a new one with it). */
  const placementOf = (campaign: string, offer: string, source: string, channel: string): bigint => {
    const id = placementId(campaign, offer, source, channel);
    placementSQL.run(id, campaign, offer, source, channel);
    return id;
  };
  type LogRow = Array<string | number | bigint>;
  /** Appends rows to a log table, up to 100 in one statement (a batch's rows cost a few statements, not one each). */
  const appender = (table: string, columns: readonly string[]) => {
    const statements = new Map<number, Statement>();
    const statement = (rows: number): Statement => {
      let prepared = statements.get(rows);
      if (!prepared) {
        const tuple = `(${columns.map(() => '?').join(', ')})`;
        prepared = db.prepare(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`,
        );
        statements.set(rows, prepared);
      }
      return prepared;
    };
    return (rows: readonly LogRow[]): void => {
      for (let i = 0; i < rows.length; i += 100) {
        const chunk = rows.slice(i, i + 100);
        statement(chunk.length).run(...chunk.flat());
      }
      if (rows.length === 0) return;
      logged += rows.length;
      if (logged >= foldEvery) {
        logged = 0;
        foldSubs(db);
      } else foldWhenIdle();
    };
  };
  let logged = 0;
  let idle: NodeJS.Timeout | null = null;
  const foldWhenIdle = (): void => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => {
      idle = null;
      try {
        db.transaction(() => {
          foldSubs(db);
        }).immediate();
        logged = 0;
      } catch {
        // Busy (another process writing) or closed: the next write schedules it again.
      }
    }, FOLD_WHEN_IDLE_MS);
    idle.unref();
  };
  const logClicks = appender('log_click_sd', ['sub', 'day', 'value', 'placement', 'n', 'cost']);
  const logConversions = appender('log_conv_sd', ['sub', 'day', 'value', 'placement', 'type_key', 'status', 'n', 'revenue']);
  const pruneQ = db.prepare('DELETE FROM roll_conv_q WHERE bucket = ? AND type_key = ? AND status = ? AND n = 0');
  const pruneD = db.prepare(
    `DELETE FROM roll_conv_d WHERE day = ? AND campaign_id = ? AND offer_id = ? AND offer_source_id = ? AND traffic_channel_id = ? AND type_key = ? AND status = ? AND n = 0`,
  );
  return {
    click(row) {
      const day = Math.floor(row.ts / DAY_MS);
      const placement = [row.campaign_id, row.offer_id, row.offer_source_id, row.traffic_channel_id] as const;
      clickQ.run(Math.floor(row.ts / BUCKET_MS), row.cost_micros);
      clickD.run(day, ...placement, row.cost_micros);
      const rows: LogRow[] = [];
      for (const key of SUB_KEYS) {
        const value = row[key];
        if (value !== null) rows.push([subNumber(key), day, value, 0n, 1, row.cost_micros]);
      }
      if (rows.length === 0) return;
      const id = placementOf(...placement);
      for (const r of rows) r[3] = id;
      logClicks(rows);
    },
    clickCost(row, delta) {
      // The click is stored, so its rollup rows exist.
      costQ.run(delta, Math.floor(row.ts / BUCKET_MS));
      costD.run(delta, Math.floor(row.ts / DAY_MS), row.campaign_id, row.offer_id, row.offer_source_id, row.traffic_channel_id);
    },
    conversions(deltas) {
      const rows: LogRow[] = [];
      const placements = new Map<string, bigint>();
      for (const d of deltas) {
        const placement = [d.campaign_id, d.offer_id, d.offer_source_id, d.traffic_channel_id] as const;
        convQ.run(d.bucket, d.type_key, d.status, d.n, d.revenue);
        convD.run(d.day, ...placement, d.type_key, d.status, d.n, d.revenue);
        if (d.n < 0) {
          pruneQ.run(d.bucket, d.type_key, d.status);
          pruneD.run(d.day, ...placement, d.type_key, d.status);
        }
        if (d.subs.length === 0) continue;
        const text = placement.join('|');
        let id = placements.get(text);
        if (id === undefined) {
          id = placementOf(...placement);
          placements.set(text, id);
        }
        for (const [key, value] of d.subs) rows.push([subNumber(key), d.day, value, id, d.type_key, d.status, d.n, d.revenue]);
      }
      logConversions(rows);
    },
    close() {
      if (idle) clearTimeout(idle);
      idle = null;
    },
    subCosts(deltas) {
      logClicks(
        deltas.map((d) => [
          subNumber(d.sub),
          d.day,
          d.value,
          placementId(d.campaign_id, d.offer_id, d.offer_source_id, d.traffic_channel_id),
          0,
          d.delta,
        ]),
      );
    },
  };
}

/**
 * Folds the sub rollups' logs into them: sums per row, merged in key order, rows of
 * conversions left at zero removed (only rows the log moved down can be), log emptied.
 * Call it inside a transaction.
 */
export function foldSubs(db: Database): void {
  db.exec(`
    INSERT INTO roll_click_sd (sub, day, value, placement, n, cost)
      SELECT sub, day, value, placement, SUM(n), SUM(cost) FROM log_click_sd WHERE true GROUP BY sub, day, value, placement
      ON CONFLICT (sub, day, value, placement) DO UPDATE SET n = n + excluded.n, cost = cost + excluded.cost;
    DELETE FROM log_click_sd;
    INSERT INTO roll_conv_sd (sub, day, value, placement, type_key, status, n, revenue)
      SELECT sub, day, value, placement, type_key, status, SUM(n), SUM(revenue) FROM log_conv_sd WHERE true
      GROUP BY sub, day, value, placement, type_key, status
      ON CONFLICT (sub, day, value, placement, type_key, status) DO UPDATE SET n = n + excluded.n, revenue = revenue + excluded.revenue;
    DELETE FROM roll_conv_sd WHERE n = 0 AND (sub, day, value, placement, type_key, status) IN
      (SELECT sub, day, value, placement, type_key, status FROM log_conv_sd WHERE n < 0);
    DELETE FROM log_conv_sd;
  `);
}

const versionOf = (db: Database): string | undefined =>
  db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'rollups'").get()?.value;

/**
 * Rebuilds the rollups of a store from an older version, once: processes opening the
 * store together (receiver, worker, report service) wait while the first one rebuilds
 * (a minute at 5M clicks) rather than fail on the busy database, then find it done.
 */
function rebuildIfOld(db: Database): void {
  const wait = new Int32Array(new SharedArrayBuffer(4));
  while (versionOf(db) !== VERSION) {
    try {
      db.transaction(() => {
        if (versionOf(db) !== VERSION) rebuild(db);
      }).immediate();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
      Atomics.wait(wait, 0, 0, 1000);
    }
  }
}

/** Recomputes every rollup from the raw tables (a store from before rollups, or a bulk load). */
export function rebuild(db: Database): void {
  db.transaction(() => {
    db.exec(`
      DELETE FROM roll_click_q; DELETE FROM roll_conv_q; DELETE FROM roll_click_d; DELETE FROM roll_conv_d;
      DELETE FROM roll_click_sd; DELETE FROM roll_conv_sd; DELETE FROM log_click_sd; DELETE FROM log_conv_sd; DELETE FROM placements;
      INSERT OR IGNORE INTO placements SELECT DISTINCT placement_id(${PLACEMENT_KEY}), ${PLACEMENT_KEY} FROM clicks;
      INSERT INTO roll_click_q SELECT ts / ${BUCKET_MS}, COUNT(*), SUM(cost_micros) FROM clicks GROUP BY 1;
      INSERT INTO roll_click_d SELECT ts / ${DAY_MS}, ${PLACEMENT_KEY}, COUNT(*), SUM(cost_micros) FROM clicks GROUP BY 1, 2, 3, 4, 5;
      INSERT INTO roll_conv_q SELECT created_at / ${BUCKET_MS}, COALESCE(type, ''), status, COUNT(*), SUM(payout_micros) FROM conversions GROUP BY 1, 2, 3;
      INSERT INTO roll_conv_d SELECT created_at / ${DAY_MS}, ${PLACEMENT_KEY}, COALESCE(type, ''), status, COUNT(*), SUM(payout_micros) FROM conversions GROUP BY 1, 2, 3, 4, 5, 6, 7;
      ${SUB_KEYS.map(
        (sub) => `
      INSERT INTO roll_click_sd SELECT ${subNumber(sub)}, ts / ${DAY_MS}, ${sub}, placement_id(${PLACEMENT_KEY}), COUNT(*), SUM(cost_micros)
        FROM clicks WHERE ${sub} IS NOT NULL GROUP BY 2, 3, 4;
      INSERT OR IGNORE INTO placements SELECT DISTINCT placement_id(${PLACEMENT_KEY}), ${PLACEMENT_KEY} FROM conversions WHERE ${sub} IS NOT NULL;
      INSERT INTO roll_conv_sd SELECT ${subNumber(sub)}, created_at / ${DAY_MS}, ${sub}, placement_id(${PLACEMENT_KEY}), COALESCE(type, ''), status,
        COUNT(*), SUM(payout_micros) FROM conversions WHERE ${sub} IS NOT NULL GROUP BY 2, 3, 4, 5, 6;`,
      ).join('')}
      INSERT INTO meta (key, value) VALUES ('rollups', '${VERSION}') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    `);
  }).immediate();
}
