/**
 * npm run bench:ingest — the receiver's durable acknowledgement against bare Express.
 *
 * Starts a private redis-server (appendonly on, as in production), the real receiver
 * process and a bare Express process, loads each with autocannon in turn (the same
 * connections, duration and URL), and prints req/s, p99 and the ratios. It prints
 * figures; it asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/helpers/free-port.js';
import { redisServerArgs } from './support/bench-env.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PATH = '/postback?clickid=01JBENCHCLICK000000000000&sum=12.5&status=approved&type=Deposit&sub1=abc';

interface Figures {
  rps: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'convtrack-bench-'));
  const children: ChildProcess[] = [];
  try {
    const redisPort = await freePort();
    children.push(spawn('redis-server', redisServerArgs(redisPort, dir), { stdio: 'ignore' }));
    const receiverPort = await freePort();
    const barePort = await freePort();
    const env = {
      ...process.env,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      SQLITE_PATH: join(dir, 'bench.db'),
      DATA_DIR: dir,
      RECEIVER_PORT: String(receiverPort),
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
    };
    children.push(
      spawn(process.execPath, ['--import', 'tsx', 'services/receiver/main.ts'], { env, stdio: ['ignore', 'ignore', 'inherit'] }),
    );
    children.push(
      spawn(process.execPath, ['--import', 'tsx', 'bench/bare-express.ts'], {
        env: { ...process.env, PORT: String(barePort) },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    await waitForOk(`http://127.0.0.1:${receiverPort}/readyz`);
    await waitForOk(`http://127.0.0.1:${barePort}/postback`);

    console.log(`ingest benchmark: ${CONNECTIONS} connections, ${DURATION_S} s per run, ${ROUNDS} rounds, GET ${PATH.split('?')[0]}`);
    await load(`http://127.0.0.1:${barePort}${PATH}`, 3); // warm both up
    await load(`http://127.0.0.1:${receiverPort}${PATH}`, 3);
    const bare: Figures[] = [];
    const receiver: Figures[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await load(`http://127.0.0.1:${barePort}${PATH}`, DURATION_S));
      receiver.push(await load(`http://127.0.0.1:${receiverPort}${PATH}`, DURATION_S));
    }
    const b = median(bare);
    const r = median(receiver);
    const row = (name: string, f: Figures) =>
      `${name.padEnd(26)} ${f.rps.toFixed(0).padStart(8)} req/s   p99 ${String(f.p99).padStart(4)} ms   non-2xx ${f.non2xx}   errors ${f.errors}`;
    console.log(row('bare Express (200)', b));
    console.log(row('receiver (durable ack)', r));
    console.log(
      `throughput ratio ${(r.rps / b.rps).toFixed(2)}x (target >= 0.90)   p99 ratio ${(r.p99 / Math.max(b.p99, 1)).toFixed(2)}x (target <= 1.50)`,
    );
  } finally {
    for (const child of children.reverse()) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function load(url: string, duration: number): Promise<Figures> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration });
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

function median(runs: Figures[]): Figures {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Figures;
}

async function waitForOk(url: string): Promise<void> {
  const until = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
