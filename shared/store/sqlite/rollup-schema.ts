import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { ROLLED_KEYS, rolledNumber } from '../../domain/rolled-keys.js';
import { DAY_MS } from '../../domain/time-zone.js';
import { BUCKET_MS } from '../store.js';

export const PLACEMENT =
  'campaign_id TEXT NOT NULL, offer_id TEXT NOT NULL, offer_source_id TEXT NOT NULL, traffic_channel_id TEXT NOT NULL';
export const PLACEMENT_KEY = 'campaign_id, offer_id, offer_source_id, traffic_channel_id';

/**
 * Rollups, kept in the same transaction as every click and conversion write, so they
 * are exactly the raw tables summed: per 15-minute bucket (by type and status), per
 * UTC day (by placement, type and status), and per UTC day and sub (by the sub's value,
 * placement, type and status; `sub` is 1..10, one row set per sub a click has), the
 * rolled traits (the country) kept the same way as numbers 11 on (`rolledNumber`). The main conversion's type is '' here.
 *
 * Sub values are many and scattered (a zone or placement id per click), so updating
 * their rows in place dirtied a page per sub per postback and made each commit write
 * far more: the worker drained ~20% slower. Instead each change is appended to a log
 * (`log_*_sd`, a few pages per commit, a batch's rows in a few statements) and the log
 * is folded into the rollup, sorted: once the process has been idle for
 * `FOLD_WHEN_IDLE_MS`, or in the transaction that crosses `FOLD_EVERY` rows (rollups.ts), so a
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

/** The rollup tables, rebuilt from the raw tables when the file's rollups are of an older version (a migration step). */
export function migrateRollups(db: Database): void {
  db.exec(ROLLUP_SCHEMA);
  if (versionOf(db) !== VERSION) rebuild(db);
}

/** Recomputes every rollup from the raw tables (a store from before rollups, or a bulk load). */
export function rebuild(db: Database): void {
  // Retention removed raw clicks the rollups still count: rebuilt from what is left, they would lose them.
  const removed = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'retention'").get()
    ? db.prepare<[], { kept_from: number }>("SELECT kept_from FROM retention WHERE what = 'clicks'").get()
    : undefined;
  if (removed)
    throw new Error(
      `the rollups cannot be rebuilt from the raw tables: retention removed the clicks before ${new Date(removed.kept_from).toISOString()}, which only the rollups still count`,
    );
  // The rebuild's SQL names placements as the writes do (any connection may rebuild, a benchmark's too).
  db.function(
    'placement_id',
    { deterministic: true, safeIntegers: true },
    (campaign: unknown, offer: unknown, source: unknown, channel: unknown) =>
      placementId(String(campaign), String(offer), String(source), String(channel)),
  );
  db.transaction(() => {
    db.exec(`
      DELETE FROM roll_click_q; DELETE FROM roll_conv_q; DELETE FROM roll_click_d; DELETE FROM roll_conv_d;
      DELETE FROM roll_click_sd; DELETE FROM roll_conv_sd; DELETE FROM log_click_sd; DELETE FROM log_conv_sd; DELETE FROM placements;
      INSERT OR IGNORE INTO placements SELECT DISTINCT placement_id(${PLACEMENT_KEY}), ${PLACEMENT_KEY} FROM clicks;
      INSERT INTO roll_click_q SELECT ts / ${BUCKET_MS}, COUNT(*), SUM(cost_micros) FROM clicks GROUP BY 1;
      INSERT INTO roll_click_d SELECT ts / ${DAY_MS}, ${PLACEMENT_KEY}, COUNT(*), SUM(cost_micros) FROM clicks GROUP BY 1, 2, 3, 4, 5;
      INSERT INTO roll_conv_q SELECT created_at / ${BUCKET_MS}, COALESCE(type, ''), status, COUNT(*), SUM(payout_micros) FROM conversions GROUP BY 1, 2, 3;
      INSERT INTO roll_conv_d SELECT created_at / ${DAY_MS}, ${PLACEMENT_KEY}, COALESCE(type, ''), status, COUNT(*), SUM(payout_micros) FROM conversions GROUP BY 1, 2, 3, 4, 5, 6, 7;
      ${ROLLED_KEYS.map(
        (sub) => `
      INSERT INTO roll_click_sd SELECT ${rolledNumber(sub)}, ts / ${DAY_MS}, ${sub}, placement_id(${PLACEMENT_KEY}), COUNT(*), SUM(cost_micros)
        FROM clicks WHERE ${sub} IS NOT NULL GROUP BY 2, 3, 4;
      INSERT OR IGNORE INTO placements SELECT DISTINCT placement_id(${PLACEMENT_KEY}), ${PLACEMENT_KEY} FROM conversions WHERE ${sub} IS NOT NULL;
      INSERT INTO roll_conv_sd SELECT ${rolledNumber(sub)}, created_at / ${DAY_MS}, ${sub}, placement_id(${PLACEMENT_KEY}), COALESCE(type, ''), status,
        COUNT(*), SUM(payout_micros) FROM conversions WHERE ${sub} IS NOT NULL GROUP BY 2, 3, 4, 5, 6;`,
      ).join('')}
      INSERT INTO meta (key, value) VALUES ('rollups', '${VERSION}') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    `);
  }).immediate();
}
