/**
 * npm run bench:report — report timings at a real account's volume on the embedded store.
 *
 * Seeds BENCH_CLICKS clicks (default 5,000,000) and BENCH_CONVERSIONS conversions
 * (default 1,000,000) over 30 days into a temporary SQLite file (straight SQL, in large
 * transactions, then the rollups counted from the raw tables), with three subs of
 * different cardinality (sub1: 500 zones, sub2: 20,000 placements, sub3: 3 devices),
 * and the traits the worker derives: country (60, skewed as real traffic is), device
 * type (3), OS (5), browser (6), bot (1 click in 20).
 * Then it times the report service's own buildReport, BENCH_RUNS runs each (default 3):
 * every grouping dimension alone, and the pairs media buyers run most (campaign,subN,
 * traffic_channel,subN, offer_source,subN, date,subN in New York and Kolkata), the
 * traits alone and country with campaign, date, sub1 and device type, across
 * all traffic and filtered to one campaign. One line per case, ending `median N ms`.
 * With the report service's column copy (the default) or without it (BENCH_COPY=off);
 * BENCH_CASES=<regexp> runs only the matching lines; BENCH_DB=<file> seeds that file
 * once and reuses it (BENCH_SEED_ONLY=1: seed it and stop). BENCH_ENGINE=duckdb puts DuckDB (fed the same way) in the column
 * copy's place; BENCH_ENGINE=both runs the copy and DuckDB one after the other on the
 * same file, each in a process of its own, and prints them side by side: load time,
 * resident memory, each line's median, the ratio, and whether the two reports agree.
 * Target: under 300 ms each (under 1 s at 10x: BENCH_CLICKS=50000000
 * BENCH_CONVERSIONS=10000000). It prints figures; it asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { buildReport } from '../services/report/build-report.js';
import { rangeOf } from '../services/report/dates.js';
import type { ReportDimension } from '../services/report/report.schema.js';
import { STATUSES } from '../shared/domain/statuses.js';
import { rebuild } from '../shared/store/sqlite/rollup-schema.js';
import { createSqliteStore } from '../shared/store/sqlite/sqlite-store.js';
import type { Filters } from '../shared/store/store.js';

const CLICKS = Number(process.env.BENCH_CLICKS ?? 5_000_000);
const CONVERSIONS = Number(process.env.BENCH_CONVERSIONS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** The report service's column copy (the default); `off` times the rollups and SQL alone. */
const COPY = process.env.BENCH_COPY !== 'off';
/** A file to seed once and keep (reruns and profiles skip the seeding); by default a temporary one, removed after. */
const KEEP = process.env.BENCH_DB ?? null;
/** Only the cases whose line matches this regular expression (e.g. `sub2.*all traffic`). */
const ONLY = process.env.BENCH_CASES ? new RegExp(process.env.BENCH_CASES) : null;
/** What answers the raw reads: the column copy (default), DuckDB, or both side by side. */
const ENGINE = process.env.BENCH_ENGINE ?? 'copy';
/** Where a run writes its figures as JSON (set by BENCH_ENGINE=both for each engine's run). */
const JSON_OUT = process.env.BENCH_JSON ?? null;

interface EngineRun {
  engine: string;
  loadSeconds: number;
  residentMb: number;
  cases: Array<{ name: string; rows: number; medianMs: number; digest: string }>;
}
const DAYS = 30;
const START = Date.parse('2026-10-01T00:00:00Z');
const TYPES = [null, 'Registration', 'Deposit', 'Upsell', 'Rebill', 'Lead'];
const COUNTRIES = (
  'US GB DE FR IN BR ID MX PH TH VN TR IT ES PL NG EG PK BD JP KR CA AU RU UA ZA AR CO PE CL ' +
  'MY SA AE NL BE SE NO DK FI AT CH CZ RO HU GR PT IE IL KE MA DZ TN GH CI SN CM UZ KZ AZ'
).split(' ');

async function main(): Promise<void> {
  const dir = KEEP ? null : mkdtempSync(join(tmpdir(), 'convtrack-report-bench-'));
  const path = KEEP ?? join(dir as string, 'bench.db');
  try {
    let seeded = { ms: 0, campaign: 'cmp-0' };
    if (KEEP && existsSync(KEEP)) console.log(`reusing the seeded file ${KEEP}`);
    else {
      const empty = createSqliteStore(path);
      for (const name of TYPES.filter((t): t is string => t !== null)) {
        await empty.conversionTypes.put(name, { name, duplicate_mode: null, journey: false, send_to_channel: false, created_at: 1 });
      }
      await empty.close();
      seeded = seed(path);
      console.log(
        `seeded ${CLICKS.toLocaleString()} clicks and ${CONVERSIONS.toLocaleString()} conversions over ${DAYS} days in ${(seeded.ms / 1000).toFixed(1)} s`,
      );
    }
    if (process.env.BENCH_SEED_ONLY) return;
    if (ENGINE === 'both') {
      sideBySide(path);
      return;
    }
    const opened = Date.now();
    const engine = ENGINE === 'duckdb' ? (await import('./support/duckdb-copy.js')).createDuckdbCopy : true;
    const store = createSqliteStore(path, { columnCopy: COPY && engine });
    const run: EngineRun = { engine: ENGINE, loadSeconds: 0, residentMb: 0, cases: [] };
    console.log(`opened the store in ${((Date.now() - opened) / 1000).toFixed(1)} s`);
    if (store.prepareReports) {
      const rss = process.memoryUsage().rss;
      const loading = Date.now();
      await store.prepareReports();
      run.loadSeconds = (Date.now() - loading) / 1000;
      run.residentMb = (process.memoryUsage().rss - rss) / 1e6;
      console.log(
        `loaded the report ${ENGINE === 'duckdb' ? 'DuckDB copy' : 'column copy'} in ${run.loadSeconds.toFixed(1)} s, ${run.residentMb.toFixed(0)} MB more resident`,
      );
    } else console.log('no column copy (BENCH_COPY=off): rollups and SQL only');
    const dimensions: ReportDimension[] = ['campaign', 'offer', 'offer_source', 'traffic_channel', 'type', 'status'];
    const subs = Array.from({ length: 10 }, (_, i) => `sub${String(i + 1)}` as ReportDimension);
    const cases: Array<[ReportDimension[], string]> = [
      [['date'], 'UTC'],
      [['date'], 'America/New_York'],
      [['date'], 'Asia/Kolkata'],
      [['hour'], 'America/New_York'],
      ...[...dimensions, ...subs].map((d): [ReportDimension[], string] => [[d], 'UTC']),
      [['date', 'type', 'status'], 'UTC'],
      [['date', 'type', 'status'], 'America/New_York'],
      [['campaign', 'type', 'status'], 'UTC'],
      ...(['country', 'device_type', 'os', 'browser', 'bot'] as ReportDimension[]).map((d): [ReportDimension[], string] => [[d], 'UTC']),
      [['campaign', 'country'], 'UTC'],
      [['date', 'country'], 'America/New_York'],
      [['country', 'sub1'], 'UTC'],
      [['country', 'device_type'], 'UTC'],
      ...(['sub1', 'sub2', 'sub3'] as ReportDimension[]).flatMap((sub): Array<[ReportDimension[], string]> => [
        [['campaign', sub], 'UTC'],
        [['traffic_channel', sub], 'UTC'],
        [['offer_source', sub], 'UTC'],
        [['date', sub], 'America/New_York'],
        [['date', sub], 'Asia/Kolkata'],
      ]),
    ];
    const scopes: Array<[string, Filters]> = [
      ['all traffic', {}],
      [`one campaign (${seeded.campaign})`, { campaign: seeded.campaign }],
    ];
    for (const [scope, filters] of scopes) {
      for (const [groupBy, tz] of cases) {
        const name = `group_by=${groupBy.join(',')} tz=${tz}, 30 days, ${scope}`;
        if (ONLY && !ONLY.test(name)) continue;
        const times: number[] = [];
        let rows = 0;
        let digest = '';
        for (let n = 0; n < RUNS; n++) {
          const started = performance.now();
          const report = await buildReport(store, { groupBy, range: rangeOf('2026-10-01', '2026-10-30', tz), tz, filters, limit: 10_000 });
          times.push(performance.now() - started);
          rows = report.rows.length;
          digest = createHash('sha1').update(JSON.stringify(report)).digest('hex');
        }
        times.sort((a, b) => a - b);
        run.cases.push({ name, rows, medianMs: times[Math.floor(RUNS / 2)] ?? 0, digest });
        console.log(
          `${name.padEnd(72)} rows ${String(rows).padStart(6)}   min ${(times[0] ?? 0).toFixed(0).padStart(5)} ms   median ${(times[Math.floor(RUNS / 2)] ?? 0).toFixed(0)} ms`,
        );
      }
    }
    await store.close();
    if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(run));
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The column copy and DuckDB on the same file, one after the other, each in a fresh
 * process (so each one's resident memory is its own), then a line per case: both
 * medians, DuckDB's time over the copy's, and whether their reports are the same.
 */
function sideBySide(path: string): void {
  const runs = ['copy', 'duckdb'].map((engine): EngineRun => {
    const out = `${path}.${engine}.json`;
    console.log(`--- ${engine}`);
    execFileSync(process.execPath, [...process.execArgv, process.argv[1] as string], {
      env: { ...process.env, BENCH_ENGINE: engine, BENCH_DB: path, BENCH_JSON: out },
      stdio: 'inherit',
    });
    const run = JSON.parse(readFileSync(out, 'utf8')) as EngineRun;
    rmSync(out);
    return run;
  });
  const [copy, duck] = runs as [EngineRun, EngineRun];
  console.log('--- side by side (median ms; ratio = DuckDB / copy)');
  console.log(
    `load at start: copy ${copy.loadSeconds.toFixed(1)} s, ${copy.residentMb.toFixed(0)} MB; DuckDB ${duck.loadSeconds.toFixed(1)} s, ${duck.residentMb.toFixed(0)} MB`,
  );
  let worst = 0;
  for (const line of copy.cases) {
    const other = duck.cases.find((c) => c.name === line.name);
    if (!other) continue;
    const ratio = other.medianMs / Math.max(line.medianMs, 1);
    worst = Math.max(worst, ratio);
    console.log(
      `${line.name.padEnd(72)} copy ${line.medianMs.toFixed(0).padStart(5)}   duckdb ${other.medianMs.toFixed(0).padStart(5)}   ${ratio.toFixed(2)}x   ${line.digest === other.digest ? 'same report' : 'REPORTS DIFFER'}`,
    );
  }
  console.log(`worst line: DuckDB at ${worst.toFixed(2)}x the copy`);
}

/** Straight SQL into the store's own tables; returns the time it took and a campaign that has conversions. */
function seed(path: string): { ms: number; campaign: string } {
  const started = Date.now();
  const db = new BetterSqlite3(path);
  db.pragma('synchronous = OFF');
  const span = DAYS * 86_400_000;
  const click = db.prepare(
    `INSERT INTO clicks (clickid, ts, campaign_id, offer_id, offer_source_id, traffic_channel_id, cost_micros, sub1, sub2, sub3,
       country, device_type, os, browser, bot) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const conversion = db.prepare(
    `INSERT INTO conversions (id, clickid, type, status, payout_micros, currency, duplicate_status, created_at, updated_at,
       campaign_id, offer_id, offer_source_id, traffic_channel_id, sub1, sub2, sub3, country, device_type, os, browser, bot, subs, postback_ids)
     VALUES (?, ?, ?, ?, ?, 'USD', 'unknown', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', '[]')`,
  );
  // mulberry32: an earlier LCG taken modulo n cycled in its low bits, so conversions
  // fell on a few hundred sub2 values and two statuses and every figure flattered.
  let random = 42;
  const next = (n: number): number => {
    random = (random + 0x6d2b79f5) | 0;
    let t = Math.imul(random ^ (random >>> 15), 1 | random);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
  };
  // sub1 a zone (500), sub2 a placement (20,000, spread by a multiplier), sub3 a device (3).
  const dims = (i: number) => [
    `cmp-${i % 200}`,
    `off-${i % 40}`,
    `src-${i % 8}`,
    `tc-${i % 12}`,
    `kw-${i % 500}`,
    `pl-${(i * 7919) % 20_000}`,
    ['mobile', 'desktop', 'tablet'][i % 3] as string,
    // A country's share falls with its rank (the first few take most traffic), as in a real account.
    COUNTRIES[Math.floor(COUNTRIES.length * ((((i * 2_654_435_761) >>> 0) % 10_000) / 10_000) ** 2)] as string,
    ['mobile', 'desktop', 'tablet'][(i >> 2) % 3] as string,
    ['Android', 'iOS', 'Windows', 'Mac OS', 'Linux'][(i >> 3) % 5] as string,
    ['Chrome', 'Mobile Safari', 'Safari', 'Firefox', 'Edge', 'Samsung Browser'][(i >> 4) % 6] as string,
    (i * 7) % 20 === 0 ? 'true' : 'false',
  ];
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
  // The seed bypassed the write path: its rollups are counted from the raw tables, as an upgrade does.
  // (Opening the store no longer does it: the rollups' migration step runs once per file.)
  const counting = Date.now();
  rebuild(db);
  console.log(`counted the rollups from the raw tables in ${((Date.now() - counting) / 1000).toFixed(1)} s`);
  const campaign = db.prepare<[], { campaign_id: string }>('SELECT campaign_id FROM conversions LIMIT 1').get()?.campaign_id ?? 'cmp-0';
  db.close();
  return { ms: Date.now() - started, campaign };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
