/**
 * npm run bench:e2e — receiver, worker and store together, at a steady rate and in a
 * burst, next to a naive pipeline (Express + `await queue.add`, and a worker that takes
 * a Redis lock and makes one SQLite insert per job) measured in the same run.
 *
 * For each pipeline: acknowledged/s (2xx answers), stored/s (until the last acknowledged
 * postback is stored), receipt→stored p50/p99 (the worker's apply time minus the
 * receiver's receipt time, from the store), the deepest backlog and Redis memory's
 * growth (the naive pipeline also keeps every completed job).
 * Postbacks name distinct stored clicks over the six duplicate modes; every rule is on.
 * Redis runs with AOF everysec. It prints figures and asserts nothing.
 */
import { join } from 'node:path';
import autocannon from 'autocannon';
import BetterSqlite3 from 'better-sqlite3';
import { Queue } from 'bullmq';
import { DUPLICATE_MODES } from '../shared/domain/duplicate-modes.js';
import { createSqliteStore } from '../shared/store/sqlite/sqlite-store.js';
import { seedCampaign } from '../test/helpers/seed.js';
import { pacedLoad } from './support/paced-load.js';
import { benchEnv, lineMatching, until, type BenchEnv } from './support/bench-env.js';
import { clickFor } from '../test/helpers/seed.js';

const RATE = Number(process.env.BENCH_RATE ?? 2000);
const STEADY_S = Number(process.env.BENCH_STEADY ?? 10);
const BURST_S = Number(process.env.BENCH_BURST ?? 10);
const CLICKS = RATE * STEADY_S + 8000 * BURST_S;
/** Worker processes for convtrack (BENCH_WORKERS, default 1). */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
/** A folder: convtrack's receiver and workers run with --cpu-prof there (BENCH_PROFILE). */
const PROFILE = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];

interface Pipeline {
  port: number;
  queue: Queue;
  /** Receipt and store times (ms) of what is stored, received at or after `since`. */
  stored(since: number): Array<{ received: number; stored: number }>;
}

interface Phase {
  acked: number;
  errors: number;
  ackedPerS: number;
  storedPerS: number;
  p50: number;
  p99: number;
  peakMemoryMb: number;
  peakBacklog: number;
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

async function phase(
  env: BenchEnv,
  pipeline: Pipeline,
  paths: () => string,
  options: { rate?: number; seconds: number; connections: number },
): Promise<Phase> {
  const base = Number(/used_memory:(\d+)/.exec(await env.redis.info('memory'))?.[1] ?? 0);
  let peak = base;
  let peakBacklog = 0;
  const sampler = setInterval(() => {
    void Promise.all([env.redis.info('memory'), pipeline.queue.getWaitingCount()]).then(([info, waiting]) => {
      peak = Math.max(peak, Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0));
      peakBacklog = Math.max(peakBacklog, waiting);
    });
  }, 250);
  const started = Date.now();
  // A steady rate is paced evenly (see pacedLoad); a burst is autocannon as fast as answered.
  const load = options.rate
    ? await pacedLoad({
        port: pipeline.port,
        rate: options.rate,
        seconds: options.seconds,
        connections: options.connections,
        path: paths,
      }).then((r) => ({ acked: r.ok, errors: r.failed }))
    : await autocannon({
        url: `http://127.0.0.1:${pipeline.port}`,
        connections: options.connections,
        duration: options.seconds,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths() }) }],
      }).then((r) => ({ acked: r['2xx'], errors: r.errors + r.non2xx }));
  const { acked } = load;
  await until(() => Promise.resolve(pipeline.stored(started).length >= acked), 300_000, 100);
  clearInterval(sampler);
  const rows = pipeline.stored(started);
  const latencies = rows.map((r) => r.stored - r.received).sort((a, b) => a - b);
  const lastStored = Math.max(...rows.map((r) => r.stored));
  return {
    acked,
    errors: load.errors,
    ackedPerS: acked / options.seconds,
    storedPerS: rows.length / ((lastStored - started) / 1000),
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    peakMemoryMb: (peak - base) / 1e6,
    peakBacklog,
  };
}

async function convtrack(env: BenchEnv): Promise<{ pipeline: Pipeline; paths: () => string }> {
  const sqlitePath = join(env.dir, 'e2e.db');
  const store = createSqliteStore(sqlitePath);
  const seeded = await seedCampaign(store);
  for (const mode of DUPLICATE_MODES)
    await store.conversionTypes.put(mode, { name: mode, duplicate_mode: mode, journey: false, send_to_channel: false, created_at: 1 });
  const clickids: string[] = [];
  for (let i = 0; i < CLICKS; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, CLICKS - i) }, () => clickFor(seeded));
    await store.insertClicks(batch);
    clickids.push(...batch.map((c) => c.clickid));
  }
  await store.close();
  const env2 = {
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: '{e2e}',
    SQLITE_PATH: sqlitePath,
    DATA_DIR: env.dir,
    LOG_LEVEL: 'info',
    NODE_ENV: 'development',
  };
  const lines: string[] = [];
  env.spawn([...PROFILE, 'services/receiver/main.ts'], { ...env2, RECEIVER_PORT: '0' }, (l) => lines.push(l));
  for (let w = 0; w < WORKERS; w++) env.spawn([...PROFILE, 'services/worker/main.ts'], { ...env2, WORKER_PORT: '0' }, (l) => lines.push(l));
  const listening = await lineMatching(lines, (l) => l.includes('"receiver listening"'));
  await lineMatching(lines, (l) => l.includes('"worker started"'));
  const reader = new BetterSqlite3(sqlitePath, { readonly: true });
  const rows = reader.prepare<[number], { received: number; stored: number }>(
    'SELECT received_at AS received, processed_at AS stored FROM postbacks WHERE received_at >= ?',
  );
  let n = 0;
  return {
    pipeline: {
      port: (JSON.parse(listening) as { port: number }).port,
      queue: new Queue('postbacks', { connection: env.redis, prefix: '{e2e}' }),
      stored: (since) => rows.all(since),
    },
    paths: () => {
      const i = n++;
      return `/postback?clickid=${clickids[i % clickids.length]}&sum=1.5&type=${DUPLICATE_MODES[i % DUPLICATE_MODES.length]}&event_id=E${i}&sub1=s${i % 50}`;
    },
  };
}

async function naive(env: BenchEnv): Promise<{ pipeline: Pipeline; paths: () => string }> {
  const sqlitePath = join(env.dir, 'naive-e2e.db');
  const lines: string[] = [];
  env.spawn(['bench/naive-receiver.ts'], { REDIS_URL: env.redisUrl }, (l) => lines.push(l));
  env.spawn(['bench/naive-worker.ts'], { REDIS_URL: env.redisUrl, SQLITE_PATH: sqlitePath }, (l) => lines.push(l));
  const port = Number((await lineMatching(lines, (l) => l.startsWith('listening '))).split(' ')[1]);
  await lineMatching(lines, (l) => l === 'ready');
  const reader = new BetterSqlite3(sqlitePath, { readonly: true });
  const rows = reader.prepare<[number], { received: number; stored: number }>(
    'SELECT received_at AS received, processed_at AS stored FROM conversions WHERE received_at >= ?',
  );
  let n = 0;
  return {
    pipeline: { port, queue: new Queue('naive', { connection: env.redis, prefix: '{naive}' }), stored: (since) => rows.all(since) },
    paths: () => `/postback?clickid=c${n++}&sum=1.5`,
  };
}

/**
 * Where receipt→stored went, from the completed jobs BullMQ keeps (p50/p99 in ms):
 * receipt → job in Redis, in Redis → taken by a worker, taken → finished.
 */
async function stages(queue: Queue): Promise<string> {
  const jobs = await queue.getJobs(['completed'], 0, 5000);
  const spans = { queued: [] as number[], waited: [] as number[], processed: [] as number[] };
  for (const job of jobs) {
    const data = job.data as { receivedAt?: number; postbacks?: Array<{ receivedAt: number }> };
    const received = data.receivedAt ?? data.postbacks?.[0]?.receivedAt;
    if (received === undefined || job.processedOn === undefined || job.finishedOn === undefined) continue;
    spans.queued.push(job.timestamp - received);
    spans.waited.push(job.processedOn - job.timestamp);
    spans.processed.push(job.finishedOn - job.processedOn);
  }
  const fmt = (xs: number[]): string => {
    const sorted = xs.sort((a, b) => a - b);
    return `p50 ${quantile(sorted, 0.5)} p99 ${quantile(sorted, 0.99)}`;
  };
  return `  ${jobs.length} jobs: receipt→in Redis ${fmt(spans.queued)}, in Redis→taken ${fmt(spans.waited)}, taken→done ${fmt(spans.processed)}`;
}

const line = (name: string, p: Phase): string =>
  `${name.padEnd(24)} acked ${p.ackedPerS.toFixed(0).padStart(5)}/s  stored ${p.storedPerS.toFixed(0).padStart(5)}/s  receipt→stored p50 ${String(p.p50).padStart(5)} ms  p99 ${String(p.p99).padStart(6)} ms  errors ${p.errors}  backlog ≤ ${p.peakBacklog}  Redis +${p.peakMemoryMb.toFixed(0)} MB`;

async function main(): Promise<void> {
  console.log(
    `e2e benchmark: steady ${RATE}/s for ${STEADY_S} s, then a ${BURST_S} s burst (100 connections, as fast as acknowledged); Redis AOF everysec`,
  );
  for (const [name, make] of [
    ['naive pipeline', naive],
    ['convtrack', convtrack],
  ] as const) {
    const env = await benchEnv();
    try {
      const { pipeline, paths } = await make(env);
      const steady = await phase(env, pipeline, paths, { rate: RATE, seconds: STEADY_S, connections: 50 });
      console.log(line(`${name}, steady`, steady));
      if (name === 'convtrack') console.log(await stages(pipeline.queue));
      const burst = await phase(env, pipeline, paths, { seconds: BURST_S, connections: 100 });
      console.log(line(`${name}, burst`, burst));
      await pipeline.queue.close();
    } finally {
      await env.close();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
