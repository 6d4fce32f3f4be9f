/**
 * npm run bench:costs — how long one cost update takes on the embedded store.
 *
 * Seeds a campaign's clicks into a temporary SQLite file (straight SQL, then the
 * store's rollup rebuild), then times applyCost spreading a cost over
 * 10,000, 100,000 and all clicks of the campaign, then an undo. The store holds its
 * write lock for that long: postbacks written meanwhile wait (up to the busy timeout)
 * or retry. It prints figures; it asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { newId } from '../shared/domain/ids.js';
import { rebuild } from '../shared/store/sqlite/rollup-schema.js';
import { createSqliteStore } from '../shared/store/sqlite/sqlite-store.js';
import type { CostJobInput } from '../shared/store/store.js';

const CLICKS = Number(process.env.BENCH_CLICKS ?? 500_000);
const START = Date.parse('2026-10-01T00:00:00Z');
const SPAN = 30 * 86_400_000;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'convtrack-cost-bench-'));
  try {
    const path = join(dir, 'bench.db');
    await createSqliteStore(path).close();
    const seeding = performance.now();
    const db = new BetterSqlite3(path);
    const insert = db.prepare(
      "INSERT INTO clicks (clickid, ts, campaign_id, offer_id, offer_source_id, traffic_channel_id, cost_micros, sub1) VALUES (?, ?, 'cmp', 'off', 'src', 'tc', 0, ?)",
    );
    db.transaction(() => {
      for (let i = 0; i < CLICKS; i++) insert.run(`c${i}`, START + Math.floor((i / CLICKS) * SPAN), `z${i % 50}`);
    })();
    rebuild(db);
    db.close();
    const store = createSqliteStore(path);
    console.log(`seeded ${CLICKS.toLocaleString()} clicks over 30 days in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
    const update = (clicks: number): CostJobInput => ({
      id: newId(),
      requested_at: Date.now(),
      request: {
        kind: 'update',
        campaign_id: 'cmp',
        from: START,
        to: START + Math.ceil((clicks / CLICKS) * SPAN),
        tz: 'UTC',
        range_given: { from: '', to: '' },
        filter: null,
        cost: { micros: 1_234_567_890, original_micros: 1_234_567_890, original_currency: 'USD', rate: '1' },
      },
    });
    for (const size of [10_000, 100_000, CLICKS]) {
      const started = performance.now();
      const record = await store.applyCost(update(size), Date.now());
      console.log(
        `spread over ${record.clicks.toLocaleString().padStart(9)} clicks: ${(performance.now() - started).toFixed(0).padStart(6)} ms`,
      );
    }
    const started = performance.now();
    const undo = await store.applyCost(
      { id: newId(), requested_at: Date.now(), request: { kind: 'undo', campaign_id: 'cmp' } },
      Date.now(),
    );
    console.log(`undo restoring ${undo.clicks.toLocaleString()} clicks: ${(performance.now() - started).toFixed(0).padStart(6)} ms`);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
