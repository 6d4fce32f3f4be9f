/**
 * npm run bench:ingest — the receiver's durable acknowledgement against its yardsticks,
 * in one run: bare Express answering 200, Express + `await queue.add` (naive durable
 * ack), `node:http` + `await queue.add` (the durable-ack ceiling), and the receiver with
 * one process and with RECEIVER_PROCESSES=2, each loaded with autocannon at
 * BENCH_CONNECTIONS (default 100 and 1,000) for BENCH_DURATION s. A private
 * redis-server runs as in production (AOF everysec, noeviction). It prints req/s,
 * p50/p99/max and the ratios to bare Express; it asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/helpers/free-port.js';
import { redisServerArgs, waitForOk } from './support/bench-env.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '100,1000').split(',').map(Number);
const PATH = '/postback?clickid=01JBENCHCLICK000000000000&sum=12.5&status=approved&type=Deposit&sub1=abc';

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'convtrack-bench-'));
  const children: ChildProcess[] = [];
  const start = (args: string[], env: Record<string, string>): void => {
    children.push(
      spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] }),
    );
  };
  try {
    const redisPort = await freePort();
    children.push(spawn('redis-server', redisServerArgs(redisPort, dir), { stdio: 'ignore' }));
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const service = { REDIS_URL: redisUrl, SQLITE_PATH: join(dir, 'bench.db'), DATA_DIR: dir, LOG_LEVEL: 'warn', NODE_ENV: 'development' };
    const ports = { bare: await freePort(), naive: await freePort(), http: await freePort(), one: await freePort(), two: await freePort() };
    start(['bench/bare-express.ts'], { PORT: String(ports.bare) });
    start(['bench/naive-receiver.ts'], { REDIS_URL: redisUrl, PORT: String(ports.naive) });
    start(['bench/http-receiver.ts'], { REDIS_URL: redisUrl, PORT: String(ports.http) });
    start(['services/receiver/main.ts'], { ...service, RECEIVER_PORT: String(ports.one), RECEIVER_PROCESSES: '1', QUEUE_PREFIX: '{one}' });
    start(['services/receiver/main.ts'], { ...service, RECEIVER_PORT: String(ports.two), RECEIVER_PROCESSES: '2', QUEUE_PREFIX: '{two}' });
    const variants: Array<[string, number]> = [
      ['bare Express (200)', ports.bare],
      ['Express + await add', ports.naive],
      ['node:http + await add', ports.http],
      ['receiver, 1 process', ports.one],
      ['receiver, 2 processes', ports.two],
    ];
    for (const [, port] of variants) await waitForOk(`http://127.0.0.1:${port}${PATH}`);
    for (const [, port] of variants) await load(port, 100, 2); // warm up

    console.log(`ingest benchmark: ${DURATION_S} s per run, GET ${PATH.split('?')[0]}, Redis AOF everysec`);
    for (const connections of CONNECTIONS) {
      const results: Array<[string, Figures]> = [];
      for (const [name, port] of variants) results.push([name, await load(port, connections, DURATION_S)]);
      const bare = results[0]?.[1] as Figures;
      console.log(`${connections} connections`);
      for (const [name, f] of results)
        console.log(
          `  ${name.padEnd(24)} ${f.rps.toFixed(0).padStart(7)} req/s (${(f.rps / bare.rps).toFixed(2)}x)   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(5)} ms (${(f.p99 / Math.max(bare.p99, 1)).toFixed(2)}x)   max ${String(f.max).padStart(5)} ms   non-2xx ${f.non2xx}   errors ${f.errors}`,
        );
    }
  } finally {
    for (const child of children.reverse()) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function load(port: number, connections: number, duration: number): Promise<Figures> {
  const result = await autocannon({ url: `http://127.0.0.1:${port}${PATH}`, connections, duration });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
