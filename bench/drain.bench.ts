/**
 * npm run bench:drain — how fast the worker drains a backlog of postbacks, next to a
 * naive BullMQ worker (a Redis lock and one SQLite insert per job) measured in the
 * same run on the same machine.
 *
 * 1. naive: BENCH_N jobs, bench/naive-worker.ts.
 * 2. distinct: BENCH_N postbacks on distinct clicks, over the six duplicate modes (one
 *    conversion type per mode), through the real worker process (services/worker/main.ts,
 *    default settings, LOG_LEVEL info), every rule on, the embedded store.
 * 3. batched: the same, queued BENCH_BATCH to a job, as the receiver queues a burst.
 * 4. hot key: BENCH_HOT increment_payout postbacks on one click; the drain rate of each
 *    quarter of them shows whether an apply costs more as the key's history grows.
 *
 * The queue is filled first, then the worker starts: the clock runs from its "started"
 * line to the last job completed. It prints figures and asserts nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { DUPLICATE_MODES } from '../shared/domain/duplicate-modes.js';
import { newId } from '../shared/domain/ids.js';
import type { PostbackJob, PostbacksQueueJob } from '../shared/queue/jobs.js';
import { createSqliteStore } from '../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../shared/store/store.js';
import { seedCampaign } from '../test/helpers/seed.js';
import { benchEnv, lineMatching, redisCpuSeconds, until, type BenchEnv } from './support/bench-env.js';
import { clickFor } from '../test/helpers/seed.js';

const N = Number(process.env.BENCH_N ?? 20_000);
const HOT = Number(process.env.BENCH_HOT ?? 2_000);
/** Postbacks per job in the batched run (BENCH_BATCH): what the receiver makes of a burst (it writes up to 100 a job). */
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const PROFILE = process.env.BENCH_PROFILE; // a folder: the worker runs with --cpu-prof there

interface Drain {
  count: number;
  seconds: number;
  perSecond: number;
  /** The worker process's CPU time (user + system) per postback, in microseconds. */
  cpuUs: number | null;
  /** Redis's CPU time per postback while the worker drained, in microseconds. */
  redisUs: number;
}

/** User + system CPU time of a process so far, in ms (Linux /proc; null elsewhere). */
function cpuMs(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

async function addAll(queue: Queue, jobs: Array<{ id: string; data: object }>): Promise<void> {
  for (let i = 0; i < jobs.length; i += 1000) {
    await queue.addBulk(
      jobs.slice(i, i + 1000).map((j) => ({ name: queue.name, data: j.data, opts: { jobId: j.id, removeOnComplete: { age: 3600 } } })),
    );
  }
}

/** Starts a worker child, waits for its ready line, then for `jobs` completed jobs holding `count` postbacks. */
async function drain(
  env: BenchEnv,
  queue: Queue,
  jobs: number,
  count: number,
  args: string[],
  childEnv: Record<string, string>,
  ready: (line: string) => boolean,
): Promise<Drain> {
  const lines: string[] = [];
  const child = env.spawn(args, childEnv, (line) => lines.push(line));
  await lineMatching(lines, ready);
  const started = performance.now();
  const cpuBefore = cpuMs(child.pid);
  const redisBefore = await redisCpuSeconds(env.redis);
  await until(async () => (await queue.getCompletedCount()) >= jobs, 30 * 60_000, 20);
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuMs(child.pid);
  const redisAfter = await redisCpuSeconds(env.redis);
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return {
    count,
    seconds,
    perSecond: count / seconds,
    cpuUs: cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / count,
    redisUs: ((redisAfter - redisBefore) * 1e6) / count,
  };
}

function postbackJob(clickid: string, type: string, i: number): PostbackJob {
  return {
    receivedAt: Date.now(),
    requestId: `bench-${i}`,
    method: 'GET',
    ip: '198.51.100.7',
    raw: { clickid, type, sum: '1.5', event_id: `E${i}` },
    params: {
      clickid,
      payout: '1.5',
      status: 'approved',
      type,
      event_id: `E${i}`,
      currency: null,
      token_hash: null,
      subs: { sub1: `s${i % 50}` },
    },
    invalid: null,
  };
}

async function seed(store: Store, clicks: number): Promise<string[]> {
  const seeded = await seedCampaign(store);
  for (const mode of DUPLICATE_MODES)
    await store.conversionTypes.put(mode, { name: mode, duplicate_mode: mode, journey: false, send_to_channel: false, created_at: 1 });
  const ids: string[] = [];
  for (let i = 0; i < clicks; i++) {
    // Three subs, as traffic sources pass them (zone, placement, device), and the traits the click worker derives:
    // the sub and trait rollups move with each.
    const click = clickFor(seeded, {
      ts: Date.now() - 60_000,
      subs: {
        sub1: `zone-${String(i % 500)}`,
        sub2: `pl-${String((i * 7919) % 20_000)}`,
        sub3: ['mobile', 'desktop', 'tablet'][i % 3] as string,
      },
      traits: {
        country: ['US', 'DE', 'BR', 'IN', 'GB', 'FR'][i % 6] as string,
        device_type: ['mobile', 'desktop', 'tablet'][i % 3] as string,
        os: ['Android', 'iOS', 'Windows'][i % 3] as string,
        os_version: String(10 + (i % 5)),
        browser: ['Chrome', 'Mobile Safari', 'Firefox'][i % 3] as string,
        browser_version: String(118 + (i % 4)),
        bot: i % 20 === 0 ? 'true' : 'false',
      },
    });
    await store.insertClick(click);
    ids.push(click.clickid);
  }
  return ids;
}

/**
 * Runs convtrack's worker over the postbacks `build` makes, on a fresh store and queue
 * prefix: one job each, or `batch` to a job as the receiver queues a burst.
 */
async function convtrack(
  env: BenchEnv,
  name: string,
  build: (store: Store) => Promise<Array<{ id: string; data: PostbackJob }>>,
  batch = 1,
): Promise<{ drain: Drain; store: Store }> {
  const sqlitePath = join(env.dir, `${name}.db`);
  const store = createSqliteStore(sqlitePath);
  const prefix = `{${name}}`;
  const queue = new Queue('postbacks', { connection: env.redis, prefix });
  const postbacks = await build(store);
  const jobs: Array<{ id: string; data: PostbacksQueueJob }> = [];
  for (let i = 0; i < postbacks.length; i += batch) {
    const group = postbacks.slice(i, i + batch);
    const [first] = group as [(typeof group)[number]];
    jobs.push(
      batch === 1 ? first : { id: `${first.id}-b${group.length}`, data: { postbacks: group.map((p) => ({ ...p.data, id: p.id })) } },
    );
  }
  const before = usedMemory(await env.redis.info('memory'));
  await addAll(queue, jobs);
  memoryPer100k.set(name, ((usedMemory(await env.redis.info('memory')) - before) / postbacks.length) * 100_000);
  const profile = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [];
  const result = await drain(
    env,
    queue,
    jobs.length,
    postbacks.length,
    [...profile, 'services/worker/main.ts'],
    {
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: prefix,
      SQLITE_PATH: sqlitePath,
      DATA_DIR: env.dir,
      WORKER_PORT: '0',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
    },
    (line) => line.includes('"worker started"'),
  );
  await queue.close();
  return { drain: result, store };
}

const usedMemory = (info: string): number => Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
const memoryPer100k = new Map<string, number>();

const fmt = (d: Drain): string =>
  `${String(d.count).padStart(6)} in ${d.seconds.toFixed(1).padStart(6)} s = ${d.perSecond.toFixed(0).padStart(6)}/s${d.cpuUs === null ? '' : `, ${d.cpuUs.toFixed(0).padStart(4)} µs CPU each`} (Redis ${d.redisUs.toFixed(0)} µs)`;

async function main(): Promise<void> {
  const env = await benchEnv();
  try {
    console.log(`drain benchmark: ${N} postbacks on distinct clicks, ${HOT} on one hot key; Redis with AOF everysec`);
    const naiveQueue = new Queue('naive', { connection: env.redis, prefix: '{naive}' });
    await addAll(
      naiveQueue,
      Array.from({ length: N }, (_, i) => ({ id: newId(), data: { clickid: `c${i}`, sum: '1.5', receivedAt: Date.now() } })),
    );
    const naive = await drain(
      env,
      naiveQueue,
      N,
      N,
      ['bench/naive-worker.ts'],
      { REDIS_URL: env.redisUrl, SQLITE_PATH: join(env.dir, 'naive.db') },
      (l) => l === 'ready',
    );
    await naiveQueue.close();
    console.log(`naive BullMQ worker (lock + 1 insert)       ${fmt(naive)}   1.00x`);

    const distinct = await convtrack(env, 'distinct', async (store) => {
      const clicks = await seed(store, N);
      return clicks.map((clickid, i) => ({
        id: newId(),
        data: postbackJob(clickid, DUPLICATE_MODES[i % DUPLICATE_MODES.length] as string, i),
      }));
    });
    await distinct.store.close();
    console.log(
      `convtrack, distinct clicks, six modes       ${fmt(distinct.drain)}   ${(distinct.drain.perSecond / naive.perSecond).toFixed(2)}x of naive (target >= 0.60)`,
    );

    const batched = await convtrack(
      env,
      'batched',
      async (store) => {
        const clicks = await seed(store, N);
        return clicks.map((clickid, i) => ({
          id: newId(),
          data: postbackJob(clickid, DUPLICATE_MODES[i % DUPLICATE_MODES.length] as string, i),
        }));
      },
      BATCH,
    );
    await batched.store.close();
    console.log(
      `convtrack, the same in batch jobs of ${String(BATCH).padEnd(5)}   ${fmt(batched.drain)}   ${(batched.drain.perSecond / naive.perSecond).toFixed(2)}x of naive`,
    );

    const hot = await convtrack(env, 'hot', async (store) => {
      const [clickid] = await seed(store, 1);
      return Array.from({ length: HOT }, (_, i) => ({ id: newId(), data: postbackJob(clickid as string, 'increment_payout', i) }));
    });
    console.log(
      `convtrack, one hot key (increment_payout)   ${fmt(hot.drain)}   ${(hot.drain.perSecond / distinct.drain.perSecond).toFixed(2)}x of distinct (target >= 0.50)`,
    );
    const applied = (await hot.store.listPostbacks({}, { limit: HOT, cursor: null })).items
      .map((p) => p.processed_at)
      .sort((a, b) => a - b);
    const quarter = Math.floor(applied.length / 4);
    const rates = [0, 1, 2, 3].map((q) => {
      const slice = applied.slice(q * quarter, (q + 1) * quarter);
      const ms = Math.max(1, (slice[slice.length - 1] ?? 0) - (slice[0] ?? 0));
      return ((slice.length - 1) / ms) * 1000;
    });
    console.log(
      `hot key, applies/s by quarter of its history: ${rates.map((r) => r.toFixed(0)).join(' → ')} (flat when the cost per apply does not grow)`,
    );
    const conversion = (await hot.store.listConversions({}, { limit: 2, cursor: null })).items;
    console.log(
      `hot key result: ${conversion.length} conversion, payout ${(conversion[0]?.payout_micros ?? 0) / 1e6} (expected ${HOT * 1.5})`,
    );
    const mb = (name: string): string => ((memoryPer100k.get(name) ?? 0) / 1e6).toFixed(0);
    console.log(`Redis memory per 100k queued postbacks: ${mb('distinct')} MB one to a job, ${mb('batched')} MB in batch jobs of ${BATCH}`);
    await hot.store.close();
  } finally {
    await env.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
