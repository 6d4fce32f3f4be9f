/**
 * npm run bench:retention — what retention gives back, on a store seeded by bench:report
 * (BENCH_DB, seeded first if missing, with BENCH_CLICKS / BENCH_CONVERSIONS over 30
 * days). On a copy of that file (the seeded one stays reusable), before and after
 * removing the clicks of the older BENCH_REMOVE_DAYS days (default 15):
 *   - bytes per click on disk: the clicks table and its indexes (SQLite's dbstat), and
 *     the whole file, per click stored;
 *   - the report column copy: load time and resident memory added, per click;
 *   - the real report service started on the file: the time from its start to its first
 *     report answer (by date over the 30 days, which the rollups serve while the copy
 *     loads), and to the copy loaded;
 *   - the removal itself: rows a second, and how long one batch of 2,000 holds the
 *     store's write lock (median, p99, max), which is what a worker's commit may wait.
 * The report by campaign over the 30 days is compared before and after: it must be
 * the same. It prints figures; it asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DAY_MS } from '../shared/domain/time-zone.js';
import { createSqliteStore } from '../shared/store/sqlite/sqlite-store.js';
import { benchEnv, lineMatching } from './support/bench-env.js';

const SEEDED = process.env.BENCH_DB ?? '/tmp/convtrack-report-bench.db';
const REMOVE_DAYS = Number(process.env.BENCH_REMOVE_DAYS ?? 15);
const START = Date.parse('2026-10-01T00:00:00Z');
const DAYS = 30;
const BATCH = 2_000;
const API_KEY = 'bench-retention-key-0123456789abcdef';

interface Figures {
  clicks: number;
  clickBytes: number;
  fileBytes: number;
  freeBytes: number;
  copyLoadS: number;
  copyMb: number;
  firstReportS: number;
  copyLoadedS: number;
}

async function main(): Promise<void> {
  if (!existsSync(SEEDED)) {
    console.log(`seeding ${SEEDED} with bench:report's seed`);
    execFileSync(process.execPath, ['--import', 'tsx', 'bench/report.bench.ts'], {
      env: { ...process.env, BENCH_DB: SEEDED, BENCH_SEED_ONLY: '1' },
      stdio: 'inherit',
    });
  }
  const env = await benchEnv();
  const path = join(env.dir, 'retention.db');
  try {
    copyFileSync(SEEDED, path);
    const before = await measure(path, env);
    const byCampaign = await campaignReport(path);

    const store = createSqliteStore(path);
    const cutoff = START + REMOVE_DAYS * DAY_MS;
    const held: number[] = [];
    const started = Date.now();
    let removed = 0;
    for (;;) {
      const t = performance.now();
      const n = await store.removeClicksBefore(cutoff, BATCH);
      held.push(performance.now() - t);
      removed += n;
      if (n < BATCH) break;
    }
    const seconds = (Date.now() - started) / 1000;
    await store.close();
    held.sort((a, b) => a - b);
    const at = (q: number): string => (held[Math.min(held.length - 1, Math.floor(q * held.length))] ?? 0).toFixed(1);
    console.log(
      `removed ${removed.toLocaleString()} clicks (the ${REMOVE_DAYS} oldest of ${DAYS} days) in ${seconds.toFixed(1)} s: ${Math.round(removed / seconds).toLocaleString()} a second; one batch of ${BATCH} held the write lock median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`,
    );

    const after = await measure(path, env);
    const same = JSON.stringify(await campaignReport(path)) === JSON.stringify(byCampaign);
    console.log(`the report by campaign over the ${DAYS} days after removal: ${same ? 'the same' : 'DIFFERENT'}`);
    const row = (name: string, f: (x: Figures) => string): void =>
      console.log(`  ${name.padEnd(52)} ${f(before).padStart(14)} ${f(after).padStart(14)}`);
    console.log(`  ${''.padEnd(52)} ${'before'.padStart(14)} ${'after'.padStart(14)}`);
    row('raw clicks', (x) => x.clicks.toLocaleString());
    row('clicks table + indexes, bytes per click', (x) => (x.clickBytes / x.clicks).toFixed(0));
    row('clicks table + indexes, MB', (x) => (x.clickBytes / 1e6).toFixed(0));
    row('whole file, MB (free pages, reused by new rows)', (x) => `${(x.fileBytes / 1e6).toFixed(0)} (${(x.freeBytes / 1e6).toFixed(0)})`);
    row('column copy: load, s', (x) => x.copyLoadS.toFixed(1));
    row('column copy: resident MB (bytes per click)', (x) => `${x.copyMb.toFixed(0)} (${((x.copyMb * 1e6) / x.clicks).toFixed(0)})`);
    row('report service: start to first report answer, s', (x) => x.firstReportS.toFixed(2));
    row('report service: start to column copy loaded, s', (x) => x.copyLoadedS.toFixed(1));
  } finally {
    await env.close();
    rmSync(path, { force: true });
  }
}

/** Disk, column copy and report service figures for the file as it is. */
async function measure(path: string, env: Awaited<ReturnType<typeof benchEnv>>): Promise<Figures> {
  const db = new BetterSqlite3(path, { readonly: true });
  const clicks = (db.prepare('SELECT COUNT(*) AS n FROM clicks').get() as { n: number }).n;
  const clickBytes = (
    db
      .prepare(
        "SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name = 'clicks' OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'clicks' AND type = 'index') OR name LIKE 'sqlite_autoindex_clicks%'",
      )
      .get() as { bytes: number }
  ).bytes;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const freeBytes = (db.pragma('freelist_count', { simple: true }) as number) * pageSize;
  db.close();
  const fileBytes = statSync(path).size;

  // The column copy in a process of its own, as the report service keeps it.
  const copy = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', 'bench/support/copy-load.ts', path], { encoding: 'utf8' }),
  ) as { seconds: number; mb: number };

  // The real report service: from its start to its first report, and to its copy loaded.
  const lines: string[] = [];
  const started = Date.now();
  const child = env.spawn(
    ['services/report/main.ts'],
    {
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: '{retention}',
      SQLITE_PATH: path,
      DATA_DIR: env.dir,
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      API_KEY,
      REPORT_PORT: '0',
    },
    (line) => lines.push(line),
  );
  const listening = await lineMatching(lines, (l) => l.includes('"report service listening"'), 600_000);
  const port = (JSON.parse(listening) as { port: number }).port;
  const query = `group_by=date&from=2026-10-01&to=2026-10-30`;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/api/reports?${query}`, { headers: { Authorization: `Bearer ${API_KEY}` } });
    if (res.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const firstReportS = (Date.now() - started) / 1000;
  await lineMatching(lines, (l) => l.includes('"report column copy loaded"'), 1_800_000);
  const copyLoadedS = (Date.now() - started) / 1000;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return { clicks, clickBytes, fileBytes, freeBytes, copyLoadS: copy.seconds, copyMb: copy.mb, firstReportS, copyLoadedS };
}

/** The report by campaign over the 30 days, through the store's own aggregates (rollup-served). */
async function campaignReport(path: string): Promise<unknown> {
  const store = createSqliteStore(path);
  const range = { from: START, to: START + DAYS * DAY_MS };
  const rows = await store.aggregateClicks(['campaign'], range, {});
  await store.close();
  return rows.map((r) => [r.key, r.count, String(r.costMicros)]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
