import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { expect } from 'chai';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { tempDir } from '../helpers/temp.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one service's main.ts until it exits, or until `until` matches its output
 * (then it is stopped with SIGTERM and its exit is awaited).
 */
function runService(service: string, env: Record<string, string>, until?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `services/${service}/main.ts`], {
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: Run = { code: null, stdout: '', stderr: '' };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${service} neither exited nor matched in 30 s:\n${run.stdout}\n${run.stderr}`));
    }, 30_000);
    let stopped = false;
    const check = (): void => {
      if (stopped || !until || !until.test(run.stdout)) return;
      stopped = true;
      child.kill('SIGTERM');
    };
    child.stdout.on('data', (d: Buffer) => {
      run.stdout += d.toString();
      check();
    });
    child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ ...run, code });
    });
  });
}

describe('start-up guards: a Redis that forgets, a port already taken', () => {
  const redises: TestRedis[] = [];
  let dir: ReturnType<typeof tempDir>;
  const envFor = (redis: TestRedis, extra: Record<string, string> = {}) => ({
    REDIS_URL: redis.url,
    SQLITE_PATH: join(dir.path, 'store.db'),
    DATA_DIR: dir.path,
    API_KEY: 'a-production-api-key-0123',
    RECEIVER_PORT: '0',
    REPORT_PORT: '0',
    WORKER_PORT: '0',
    ...extra,
  });
  const redisWith = async (args: string[]) => {
    const redis = await startTestRedis(args);
    redises.push(redis);
    return redis;
  };

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.remove());
  after(async () => {
    await Promise.all(redises.map((r) => r.destroy()));
  });

  it('when production starts against a Redis with AOF off, then it exits non-zero with one line saying what to set', async () => {
    const redis = await redisWith([]);
    const run = await runService('receiver', envFor(redis, { NODE_ENV: 'production' }));
    expect(run.code).to.equal(1);
    const lines = `${run.stdout}${run.stderr}`.trim().split('\n');
    expect(lines, run.stdout + run.stderr).to.have.length(1);
    expect(lines[0]).to.match(
      /^convtrack receiver: Redis at redis:\/\/127\.0\.0\.1:\d+ can lose acknowledged postbacks: AOF is off.*set appendonly yes.*Refusing to start in production\.$/,
    );
    expect(run.stdout).not.to.contain('receiver listening');
  });

  it('when production starts against a Redis that evicts (allkeys-lru), then it refuses, naming the policy', async () => {
    const redis = await redisWith(['--appendonly', 'yes', '--maxmemory-policy', 'allkeys-lru']);
    for (const service of ['worker', 'report']) {
      const run = await runService(service, envFor(redis, { NODE_ENV: 'production' }));
      expect(run.code, service).to.equal(1);
      expect(run.stderr.trim().split('\n'), service).to.have.length(1);
      expect(run.stderr).to.contain('maxmemory-policy is allkeys-lru').and.to.contain('set maxmemory-policy noeviction');
    }
  });

  it('when production starts against a Redis with AOF on and noeviction, then it starts, and says the port it took for port 0', async () => {
    const redis = await redisWith(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']);
    const run = await runService('receiver', envFor(redis, { NODE_ENV: 'production' }), /receiver listening/);
    expect(run.stdout).to.contain('redis durability checked');
    const listening = run.stdout.split('\n').find((l) => l.includes('receiver listening')) as string;
    expect((JSON.parse(listening) as { port: number }).port).to.be.greaterThan(0);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
  });

  it('when a managed Redis forbids CONFIG, then production says it could not check the policy and starts', async () => {
    const redis = await redisWith(['--appendonly', 'yes', '--rename-command', 'CONFIG', '']);
    const run = await runService('receiver', envFor(redis, { NODE_ENV: 'production' }), /receiver listening/);
    expect(run.stdout).to.contain('CONFIG GET was refused').and.to.contain('check yourself that maxmemory-policy is noeviction');
    expect(run.code, run.stdout + run.stderr).to.equal(0);
  });

  it('when outside production Redis forgets, then the service warns in one line and starts', async () => {
    const redis = await redisWith([]);
    const run = await runService('receiver', envFor(redis, { NODE_ENV: 'development' }), /receiver listening/);
    const warnings = run.stdout.split('\n').filter((l) => l.includes('can lose acknowledged postbacks'));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain('set appendonly yes');
  });

  it('when a second worker finds its port taken, then it exits before it takes a job', async () => {
    const redis = await redisWith(['--appendonly', 'yes']);
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '::', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    const queue = new Queue('clicks', { connection: { url: redis.url }, prefix: '{convtrack}' });
    await queue.add('clicks', { clickid: 'waiting-click' }, { jobId: 'waiting-click' });
    try {
      const run = await runService('worker', envFor(redis, { WORKER_PORT: String(port) }));
      expect(run.code).to.equal(1);
      expect(run.stdout).to.contain('EADDRINUSE');
      expect(run.stdout).not.to.contain('worker started');
      expect(await (await queue.getJob('waiting-click'))?.getState()).to.equal('waiting');
    } finally {
      await queue.close();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('when GEOIP_DB names a file that is not an IP database, then the worker exits naming the setting, before it takes a job', async () => {
    const redis = await redisWith(['--appendonly', 'yes']);
    const notMmdb = join(dir.path, 'GeoLite2-City.mmdb');
    (await import('node:fs')).writeFileSync(notMmdb, 'not an MMDB file');
    const queue = new Queue('clicks', { connection: { url: redis.url }, prefix: '{convtrack}' });
    await queue.add('clicks', { clickid: 'waiting-click' }, { jobId: 'waiting-click' });
    try {
      const run = await runService('worker', envFor(redis, { GEOIP_DB: notMmdb }));
      expect(run.code).to.equal(1);
      expect(`${run.stdout}${run.stderr}`).to.contain(`GEOIP_DB: cannot open ${notMmdb} as an MMDB file`);
      expect(run.stdout).not.to.contain('worker started');
      expect(await (await queue.getJob('waiting-click'))?.getState()).to.equal('waiting');
    } finally {
      await queue.close();
    }
  });

  it('when two workers start on one host with a WORKER_PORT range, then each takes a free port of it and both run', async () => {
    const redis = await redisWith(['--appendonly', 'yes']);
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '::', () => resolve()));
    const first = (blocker.address() as { port: number }).port;
    const range = { WORKER_PORT: `${String(first)}-${String(first + 5)}` };
    const workers = [workerProcess(envFor(redis, range)), workerProcess(envFor(redis, range))];
    try {
      const ports = await Promise.all(workers.map((worker) => worker.port));
      expect(new Set(ports).size, 'distinct ports').to.equal(2);
      for (const port of ports) {
        expect(port).to.be.within(first + 1, first + 5);
        expect((await fetch(`http://127.0.0.1:${String(port)}/readyz`)).status).to.equal(200);
      }
    } finally {
      for (const worker of workers) worker.stop();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

/** A worker process left running; `port` resolves with the port it says it took. */
function workerProcess(env: Record<string, string>): { port: Promise<number>; stop(): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/worker/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const started = output.split('\n').find((line) => line.includes('"worker started"'));
      if (started) resolve((JSON.parse(started) as { port: number }).port);
    });
    child.once('exit', () => reject(new Error(`worker exited:\n${output}`)));
  });
  return { port, stop: () => child.kill('SIGTERM') };
}
