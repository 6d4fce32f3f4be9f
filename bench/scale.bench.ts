/**
 * npm run bench:scale — what scaling out costs a receiver process, in one run, each
 * variant loaded with autocannon at BENCH_CONNECTIONS (default 100) for BENCH_DURATION s:
 * bare Express (the yardstick), the receiver on one Redis that has a replica, with
 * REDIS_MIN_REPLICAS_ACK 0 and 1, and the receiver on a local Redis Cluster (3 masters,
 * 3 replicas) with 0 and 1. Every Redis runs as in production (AOF everysec,
 * noeviction). Besides req/s and latency it prints the Redis CPU each acknowledged
 * postback cost the master that holds the queue (INFO cpu), and the WAITs it took: all
 * of a prefix's queues live on one slot, so one master carries them however large the
 * cluster is, and its CPU per postback is what sizes it. It asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { freePort } from '../test/helpers/free-port.js';
import { startTestRedisCluster, type TestRedisCluster } from '../test/helpers/redis-cluster.js';
import { redisCpuSeconds, redisServerArgs, waitForOk } from './support/bench-env.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const PATH = '/postback?clickid=01JBENCHCLICK000000000000&sum=12.5&status=approved&type=Deposit&sub1=abc';

interface Variant {
  name: string;
  port: number;
  /** The master holding this variant's queue, for its CPU and WAIT counts (none for bare Express). */
  master: (() => Promise<Redis>) | null;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'convtrack-bench-'));
  const replicaDir = mkdtempSync(join(tmpdir(), 'convtrack-bench-replica-'));
  const children: ChildProcess[] = [];
  const clients: Redis[] = [];
  let cluster: TestRedisCluster | null = null;
  const start = (args: string[], env: Record<string, string>): void => {
    children.push(
      spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] }),
    );
  };
  const client = (port: number): Redis => {
    const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    clients.push(redis);
    return redis;
  };
  try {
    const [masterPort, replicaPort] = [await freePort(), await freePort()];
    children.push(spawn('redis-server', redisServerArgs(masterPort, dir), { stdio: 'ignore' }));
    children.push(
      spawn('redis-server', [...redisServerArgs(replicaPort, replicaDir), '--replicaof', '127.0.0.1', String(masterPort)], {
        stdio: 'ignore',
      }),
    );
    cluster = await startTestRedisCluster();
    const single = client(masterPort);
    const service = {
      SQLITE_PATH: join(dir, 'bench.db'),
      DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      RECEIVER_PROCESSES: '1',
    };
    const onSingle = { ...service, REDIS_URL: `redis://127.0.0.1:${String(masterPort)}` };
    const onCluster = { ...service, REDIS_CLUSTER_NODES: cluster.nodeList };
    const ports = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()] as const;
    start(['bench/bare-express.ts'], { PORT: String(ports[0]) });
    start(['services/receiver/main.ts'], { ...onSingle, RECEIVER_PORT: String(ports[1]), QUEUE_PREFIX: '{ack0}' });
    start(['services/receiver/main.ts'], {
      ...onSingle,
      RECEIVER_PORT: String(ports[2]),
      QUEUE_PREFIX: '{ack1}',
      REDIS_MIN_REPLICAS_ACK: '1',
    });
    start(['services/receiver/main.ts'], { ...onCluster, RECEIVER_PORT: String(ports[3]), QUEUE_PREFIX: '{cluster0}' });
    start(['services/receiver/main.ts'], {
      ...onCluster,
      RECEIVER_PORT: String(ports[4]),
      QUEUE_PREFIX: '{cluster1}',
      REDIS_MIN_REPLICAS_ACK: '1',
    });
    const theCluster = cluster;
    const masterOf = (prefix: string) => async () => client((await theCluster.masterFor(prefix)).port);
    const variants: Variant[] = [
      { name: 'bare Express (200)', port: ports[0], master: null },
      { name: 'one Redis + replica, ack 0', port: ports[1], master: () => Promise.resolve(single) },
      { name: 'one Redis + replica, ack 1', port: ports[2], master: () => Promise.resolve(single) },
      { name: 'cluster 3+3, ack 0', port: ports[3], master: masterOf('{cluster0}') },
      { name: 'cluster 3+3, ack 1', port: ports[4], master: masterOf('{cluster1}') },
    ];
    for (const variant of variants) await waitForOk(`http://127.0.0.1:${String(variant.port)}${PATH}`);
    for (const variant of variants) await load(variant.port, CONNECTIONS, 2); // warm up

    console.log(`scale benchmark: ${String(CONNECTIONS)} connections, ${String(DURATION_S)} s per run, Redis AOF everysec`);
    let bareRps = 0;
    for (const variant of variants) {
      const master = variant.master ? await variant.master() : null;
      const before = master ? await usage(master) : null;
      const f = await load(variant.port, CONNECTIONS, DURATION_S);
      const after = master ? await usage(master) : null;
      if (!master) bareRps = f.rps;
      const acked = f.rps * DURATION_S;
      const redisLine =
        before && after
          ? `   Redis ${(((after.cpuS - before.cpuS) * 1e6) / acked).toFixed(1).padStart(5)} µs CPU/postback, ${(((after.waits - before.waits) * 1000) / acked).toFixed(1)} WAITs per 1,000`
          : '';
      console.log(
        `  ${variant.name.padEnd(28)} ${f.rps.toFixed(0).padStart(6)} req/s (${(f.rps / bareRps).toFixed(2)}x)   p50 ${String(f.p50).padStart(3)} ms   p99 ${String(f.p99).padStart(4)} ms   non-2xx ${String(f.non2xx)}${redisLine}`,
      );
    }
  } finally {
    for (const redis of clients) redis.disconnect();
    for (const child of children.reverse()) child.kill('SIGTERM');
    await cluster?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const folder of [dir, replicaDir]) rmSync(folder, { recursive: true, force: true });
  }
}

/** The master's CPU seconds so far (user + system) and the WAITs it has answered. */
async function usage(redis: Redis): Promise<{ cpuS: number; waits: number }> {
  const stats = await redis.info('commandstats');
  return {
    cpuS: await redisCpuSeconds(redis),
    waits: Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0),
  };
}

async function load(
  port: number,
  connections: number,
  duration: number,
): Promise<{ rps: number; p50: number; p99: number; non2xx: number }> {
  const result = await autocannon({ url: `http://127.0.0.1:${String(port)}${PATH}`, connections, duration });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
