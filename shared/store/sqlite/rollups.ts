import type { Database } from 'better-sqlite3';
import { DAY_MS } from '../rollup-plan.js';
import { BUCKET_MS } from '../store.js';
import type { ConversionDelta } from '../rollup-deltas.js';
import type { ClickRow } from './rows.js';

const PLACEMENT = 'campaign_id TEXT NOT NULL, offer_id TEXT NOT NULL, offer_source_id TEXT NOT NULL, traffic_channel_id TEXT NOT NULL';
const PLACEMENT_KEY = 'campaign_id, offer_id, offer_source_id, traffic_channel_id';

/**
 * Rollups, kept in the same transaction as every click and conversion write, so they
 * are exactly the raw tables summed: per 15-minute bucket (by type and status) and per
 * UTC day (by placement, type and status). The main conversion's type is '' here.
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
`;

const VERSION = '1';

export interface Rollups {
  click(row: ClickRow): void;
  /** Moves a click's cost by `delta` micros (a cost update). */
  clickCost(row: Pick<ClickRow, 'ts' | 'campaign_id' | 'offer_id' | 'offer_source_id' | 'traffic_channel_id'>, delta: number): void;
  /** Applies conversion rollup changes (`conversionDeltas`); a row whose count reaches 0 is removed. */
  conversions(deltas: readonly ConversionDelta[]): void;
}

export function createRollups(db: Database): Rollups {
  db.exec(ROLLUP_SCHEMA);
  if (db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'rollups'").get()?.value !== VERSION) rebuild(db);
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
  const pruneQ = db.prepare('DELETE FROM roll_conv_q WHERE bucket = ? AND type_key = ? AND status = ? AND n = 0');
  const pruneD = db.prepare(
    `DELETE FROM roll_conv_d WHERE day = ? AND campaign_id = ? AND offer_id = ? AND offer_source_id = ? AND traffic_channel_id = ? AND type_key = ? AND status = ? AND n = 0`,
  );
  return {
    click(row) {
      clickQ.run(Math.floor(row.ts / BUCKET_MS), row.cost_micros);
      clickD.run(Math.floor(row.ts / DAY_MS), row.campaign_id, row.offer_id, row.offer_source_id, row.traffic_channel_id, row.cost_micros);
    },
    clickCost(row, delta) {
      // The click is stored, so its rollup rows exist.
      costQ.run(delta, Math.floor(row.ts / BUCKET_MS));
      costD.run(delta, Math.floor(row.ts / DAY_MS), row.campaign_id, row.offer_id, row.offer_source_id, row.traffic_channel_id);
    },
    conversions(deltas) {
      for (const d of deltas) {
        const placement = [d.campaign_id, d.offer_id, d.offer_source_id, d.traffic_channel_id] as const;
        convQ.run(d.bucket, d.type_key, d.status, d.n, d.revenue);
        convD.run(d.day, ...placement, d.type_key, d.status, d.n, d.revenue);
        if (d.n < 0) {
          pruneQ.run(d.bucket, d.type_key, d.status);
          pruneD.run(d.day, ...placement, d.type_key, d.status);
        }
      }
    },
  };
}

/** Recomputes every rollup from the raw tables (a store from before rollups, or a bulk load). */
export function rebuild(db: Database): void {
  db.transaction(() => {
    db.exec(`
      DELETE FROM roll_click_q; DELETE FROM roll_conv_q; DELETE FROM roll_click_d; DELETE FROM roll_conv_d;
      INSERT INTO roll_click_q SELECT ts / ${BUCKET_MS}, COUNT(*), SUM(cost_micros) FROM clicks GROUP BY 1;
      INSERT INTO roll_click_d SELECT ts / ${DAY_MS}, ${PLACEMENT_KEY}, COUNT(*), SUM(cost_micros) FROM clicks GROUP BY 1, 2, 3, 4, 5;
      INSERT INTO roll_conv_q SELECT created_at / ${BUCKET_MS}, COALESCE(type, ''), status, COUNT(*), SUM(payout_micros) FROM conversions GROUP BY 1, 2, 3;
      INSERT INTO roll_conv_d SELECT created_at / ${DAY_MS}, ${PLACEMENT_KEY}, COALESCE(type, ''), status, COUNT(*), SUM(payout_micros) FROM conversions GROUP BY 1, 2, 3, 4, 5, 6, 7;
      INSERT INTO meta (key, value) VALUES ('rollups', '${VERSION}') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    `);
  }).immediate();
}
