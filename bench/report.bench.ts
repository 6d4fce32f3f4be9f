/**
 * npm run bench:report — report timings at a real account's volume on the embedded store.
 *
 * Seeds 5,000,000 clicks and 1,000,000 conversions over 30 days into a temporary
 * SQLite file (straight SQL, in large transactions; the store then rebuilds its
 * rollups on open), then times the report service's own buildReport for the issue's
 * queries, 5 runs each, and prints min and median.
 * Target: under 300 ms each. It prints figures; it asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { buildReport } from '../services/report/build-report.js';
import { rangeOf } from '../services/report/dates.js';
import type { ReportDimension } from '../services/report/report.schema.js';
import { STATUSES } from '../shared/domain/statuses.js';
import { createSqliteStore } from '../shared/store/sqlite/sqlite-store.js';

const CLICKS = Number(process.env.BENCH_CLICKS ?? 5_000_000);
const CONVERSIONS = Number(process.env.BENCH_CONVERSIONS ?? 1_000_000);
const DAYS = 30;
const START = Date.parse('2026-10-01T00:00:00Z');
const TYPES = [null, 'Registration', 'Deposit', 'Upsell', 'Rebill', 'Lead'];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'convtrack-report-bench-'));
  const path = join(dir, 'bench.db');
  try {
    const empty = createSqliteStore(path);
    for (const name of TYPES.filter((t): t is string => t !== null)) {
      await empty.conversionTypes.put(name, { name, duplicate_mode: null, journey: false, send_to_channel: false, created_at: 1 });
    }
    await empty.close();
    const seeded = seed(path);
    console.log(
      `seeded ${CLICKS.toLocaleString()} clicks and ${CONVERSIONS.toLocaleString()} conversions over ${DAYS} days in ${(seeded / 1000).toFixed(1)} s`,
    );
    // The seed bypassed the write path, so the store rebuilds its rollups when it opens.
    const opened = Date.now();
    const store = createSqliteStore(path);
    console.log(`opened the store and rebuilt its rollups in ${((Date.now() - opened) / 1000).toFixed(1)} s`);
    const range = rangeOf('2026-10-01', '2026-10-30', 'UTC');
    const cases: Array<[string, ReportDimension[], string]> = [
      ['group_by=date,type,status (30 days, UTC)', ['date', 'type', 'status'], 'UTC'],
      ['group_by=date,type,status (30 days, America/New_York)', ['date', 'type', 'status'], 'America/New_York'],
      ['group_by=campaign (30 days)', ['campaign'], 'UTC'],
    ];
    for (const [name, groupBy, tz] of cases) {
      const times: number[] = [];
      let rows = 0;
      for (let run = 0; run < 5; run++) {
        const started = performance.now();
        const report = await buildReport(store, {
          groupBy,
          range: tz === 'UTC' ? range : rangeOf('2026-10-01', '2026-10-30', tz),
          tz,
          filters: {},
          limit: 10_000,
        });
        times.push(performance.now() - started);
        rows = report.rows.length;
      }
      times.sort((a, b) => a - b);
      console.log(
        `${name.padEnd(55)} rows ${String(rows).padStart(5)}   min ${times[0]?.toFixed(0).padStart(5)} ms   median ${times[2]?.toFixed(0).padStart(5)} ms   (target < 300 ms)`,
      );
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Straight SQL into the store's own tables; returns the time it took. */
function seed(path: string): number {
  const started = Date.now();
  const db = new BetterSqlite3(path);
  db.pragma('synchronous = OFF');
  const span = DAYS * 86_400_000;
  const click = db.prepare(
    'INSERT INTO clicks (clickid, ts, campaign_id, offer_id, offer_source_id, traffic_channel_id, cost_micros, sub1) VALUES (?, ?, ?, ?, ?, ?, 0, ?)',
  );
  const conversion = db.prepare(
    `INSERT INTO conversions (id, clickid, type, status, payout_micros, currency, duplicate_status, created_at, updated_at,
       campaign_id, offer_id, offer_source_id, traffic_channel_id, sub1, subs, postback_ids)
     VALUES (?, ?, ?, ?, ?, 'USD', 'unknown', ?, ?, ?, ?, ?, ?, ?, '{}', '[]')`,
  );
  let random = 42;
  const next = (n: number): number => {
    random = (random * 1_103_515_245 + 12_345) % 2_147_483_648;
    return random % n;
  };
  const dims = (i: number) => [`cmp-${i % 200}`, `off-${i % 40}`, `src-${i % 8}`, `tc-${i % 12}`, `kw-${i % 500}`];
  const insertClicks = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) click.run(`c${i}`, START + Math.floor((i / CLICKS) * span), ...dims(i));
  });
  for (let i = 0; i < CLICKS; i += 250_000) insertClicks(i, Math.min(i + 250_000, CLICKS));
  const insertConversions = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const c = next(CLICKS);
      const at = Math.min(START + Math.floor((c / CLICKS) * span) + next(3_600_000), START + span - 1);
      conversion.run(`v${i}`, `c${c}`, TYPES[next(TYPES.length)], STATUSES[next(4)], 1_000_000 + next(50_000_000), at, at, ...dims(c));
    }
  });
  for (let i = 0; i < CONVERSIONS; i += 250_000) insertConversions(i, Math.min(i + 250_000, CONVERSIONS));
  db.exec("DELETE FROM meta WHERE key = 'rollups'");
  db.close();
  return Date.now() - started;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
