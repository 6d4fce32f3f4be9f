import type { Database } from 'better-sqlite3';
import type { RetentionRepository } from '../store.js';

/** The retention table: what was removed up to when (one row per kind of raw row). */
export const RETENTION_SCHEMA = `
CREATE TABLE IF NOT EXISTS retention (
  what TEXT PRIMARY KEY,
  kept_from INTEGER NOT NULL
);`;

/**
 * Removing raw rows past their age, a batch at a time (each batch its own short
 * transaction, so the worker's commits wait for one batch at most). The clicks' horizon
 * moves in the transaction that removes the first of them, so a report never reads a
 * range whose clicks are being removed as if it were whole.
 */
export function createSqliteRetention(db: Database): RetentionRepository {
  const keptFrom = db.prepare<[string], { kept_from: number }>('SELECT kept_from FROM retention WHERE what = ?');
  const moveHorizon = db.prepare(
    'INSERT INTO retention (what, kept_from) VALUES (?, ?) ON CONFLICT (what) DO UPDATE SET kept_from = max(kept_from, excluded.kept_from)',
  );
  const oldestClicks = db.prepare<[number, number], { clickid: string }>('SELECT clickid FROM clicks WHERE ts < ? ORDER BY ts LIMIT ?');
  const removeShares = db.prepare('DELETE FROM cost_shares WHERE clickid IN (SELECT value FROM json_each(?))');
  const removeClicks = db.prepare('DELETE FROM clicks WHERE clickid IN (SELECT value FROM json_each(?))');
  const removePostbacks = db.prepare(
    'DELETE FROM postbacks WHERE rowid IN (SELECT rowid FROM postbacks WHERE received_at < ? ORDER BY received_at LIMIT ?)',
  );
  const removeDeliveries = db.prepare(
    `DELETE FROM deliveries WHERE rowid IN (
       SELECT rowid FROM deliveries WHERE state IN ('delivered', 'failed', 'not_sent') AND created_at < ? ORDER BY created_at LIMIT ?)`,
  );
  const clicksBatch = db.transaction((before: number, limit: number): number => {
    moveHorizon.run('clicks', before);
    const ids = JSON.stringify(oldestClicks.all(before, limit).map((row) => row.clickid));
    removeShares.run(ids);
    return removeClicks.run(ids).changes;
  });
  return {
    clicksKeptFrom: async () => keptFrom.get('clicks')?.kept_from ?? null,
    removeClicksBefore: async (before, limit) => clicksBatch.immediate(before, limit),
    removePostbacksBefore: async (before, limit) => removePostbacks.run(before, limit).changes,
    removeDeliveriesBefore: async (before, limit) => removeDeliveries.run(before, limit).changes,
  };
}

/** The clicks' horizon, read in the aggregate's own process (null: no click was ever removed). */
export function clicksKeptFrom(db: Database): number | null {
  return db.prepare<[string], { kept_from: number }>('SELECT kept_from FROM retention WHERE what = ?').get('clicks')?.kept_from ?? null;
}
