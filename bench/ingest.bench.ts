/**
 * npm run bench:ingest — the receiver's durable acknowledgement against its yardsticks,
 * in one run. Postbacks: bare Express answering 200, Express + `await queue.add` (naive
 * durable ack), `node:http` + `await queue.add` (the durable-ack ceiling), and the
 * receiver with one process and with RECEIVER_PROCESSES=2. Clicks: bare Express
 * answering a 302 to an offer URL, and the receiver (1 and 2 processes) redirecting
 * after the click is queued. Each is loaded with autocannon at BENCH_CONNECTIONS
 * (default 100 and 1,000) for BENCH_DURATION s; BENCH_PATHS=postback or click runs one
 * half. A private redis-server runs as in production (AOF everysec, noeviction).
 * It prints req/s, p50/p99/max and the ratios to bare Express; it asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createSqliteStore } from '../shared/store/sqlite/sqlite-store.js';
import { freePort } from '../test/helpers/free-port.js';
import { seedCampaign } from '../test/helpers/seed.js';
import { redisServerArgs, waitForOk } from './support/bench-env.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '100,1000').split(',').map(Number);
const PATHS = (process.env.BENCH_PATHS ?? 'postback,click').split(',');
const POSTBACK = '/postback?clickid=01JBENCHCLICK000000000000&sum=12.5&status=approved&type=Deposit&sub1=abc';
/** A click as traffic channels send them: a zone, a placement and the channel's own click id. */
const clickPath = (campaignId: string): string => `/click/${campaignId}?sub1=zone-42&sub2=placement-1234&external_id=ch-8f3a2b1c9d`;

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** Answers other than the one expected (2xx for a postback, 302 for a click). */
  unexpected: number;
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
    const sqlitePath = join(dir, 'bench.db');
    const seeding = createSqliteStore(sqlitePath);
    const { campaign } = await seedCampaign(seeding);
    await seeding.close();
    const CLICK = clickPath(campaign.id);
    const service = { REDIS_URL: redisUrl, SQLITE_PATH: sqlitePath, DATA_DIR: dir, LOG_LEVEL: 'warn', NODE_ENV: 'development' };
    const ports = { bare: await freePort(), naive: await freePort(), http: await freePort(), one: await freePort(), two: await freePort() };
    start(['bench/bare-express.ts'], { PORT: String(ports.bare) });
    start(['bench/naive-receiver.ts'], { REDIS_URL: redisUrl, PORT: String(ports.naive) });
    start(['bench/http-receiver.ts'], { REDIS_URL: redisUrl, PORT: String(ports.http) });
    start(['services/receiver/main.ts'], { ...service, RECEIVER_PORT: String(ports.one), RECEIVER_PROCESSES: '1', QUEUE_PREFIX: '{one}' });
    start(['services/receiver/main.ts'], { ...service, RECEIVER_PORT: String(ports.two), RECEIVER_PROCESSES: '2', QUEUE_PREFIX: '{two}' });
    const halves: Record<string, { path: string; expect: 2 | 3; variants: Array<[string, number]> }> = {
      postback: {
        path: POSTBACK,
        expect: 2,
        variants: [
          ['bare Express (200)', ports.bare],
          ['Express + await add', ports.naive],
          ['node:http + await add', ports.http],
          ['receiver, 1 process', ports.one],
          ['receiver, 2 processes', ports.two],
        ],
      },
      click: {
        path: CLICK,
        expect: 3,
        variants: [
          ['bare Express (302)', ports.bare],
          ['receiver, 1 process', ports.one],
          ['receiver, 2 processes', ports.two],
        ],
      },
    };
    for (const port of Object.values(ports)) await waitForOk(`http://127.0.0.1:${port}${POSTBACK}`);
    for (const half of PATHS) {
      const { path, expect, variants } = halves[half] ?? { path: '', expect: 2, variants: [] };
      for (const [, port] of variants) await load(port, path, expect, 100, 2); // warm up
    }

    console.log(`ingest benchmark: ${DURATION_S} s per run, Redis AOF everysec`);
    for (const connections of CONNECTIONS) {
      for (const half of PATHS) {
        const { path, expect, variants } = halves[half] ?? { path: '', expect: 2, variants: [] };
        const results: Array<[string, Figures]> = [];
        for (const [name, port] of variants) results.push([name, await load(port, path, expect, connections, DURATION_S)]);
        const bare = results[0]?.[1] as Figures;
        console.log(`${connections} connections, GET ${path.split('?')[0]?.replace(campaign.id, ':campaignId')}`);
        for (const [name, f] of results)
          console.log(
            `  ${name.padEnd(24)} ${f.rps.toFixed(0).padStart(7)} req/s (${(f.rps / bare.rps).toFixed(2)}x)   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(5)} ms (${(f.p99 / Math.max(bare.p99, 1)).toFixed(2)}x)   max ${String(f.max).padStart(5)} ms   unexpected ${f.unexpected}   errors ${f.errors}`,
          );
      }
    }
  } finally {
    for (const child of children.reverse()) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function load(port: number, path: string, expect: 2 | 3, connections: number, duration: number): Promise<Figures> {
  const result = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, duration });
  const expected = expect === 2 ? result['2xx'] : result['3xx'];
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    unexpected: result.requests.total - expected,
    errors: result.errors,
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
