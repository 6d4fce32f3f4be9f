import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../test/helpers/free-port.js';

/** A private redis-server as production runs it (AOF everysec, noeviction) and a temp folder; `close` ends both. */
export interface BenchEnv {
  dir: string;
  redisUrl: string;
  redis: Redis;
  /** Starts a child process that is stopped by `close`; its output lines go to `onLine`. */
  spawn(args: string[], env: Record<string, string>, onLine?: (line: string) => void): ChildProcess;
  close(): Promise<void>;
}

/** A redis-server as production runs it: AOF everysec, no snapshots, noeviction; loopback only. */
export function redisServerArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ];
}

export async function benchEnv(): Promise<BenchEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'convtrack-bench-'));
  const port = await freePort();
  const children: ChildProcess[] = [];
  children.push(spawn('redis-server', redisServerArgs(port, dir), { stdio: 'ignore' }));
  const redisUrl = `redis://127.0.0.1:${port}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => {}); // Redis is stopped at the end while clients may still be connected
  for (let i = 0; ; i++) {
    try {
      await redis.ping();
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    dir,
    redisUrl,
    redis,
    spawn(args, env, onLine) {
      const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) onLine?.(line);
      });
      children.push(child);
      return child;
    },
    async close() {
      redis.disconnect();
      for (const child of children.reverse()) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `check` is true, polling every `everyMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Waits for a line that `match` accepts from a child started by `BenchEnv.spawn`. */
export function lineMatching(lines: string[], match: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = (): void => {
      const found = lines.find(match);
      if (found) {
        resolve(found);
        return;
      }
      if (Date.now() > deadline) {
        reject(new Error('no such line in time'));
        return;
      }
      setTimeout(poll, 20);
    };
    poll();
  });
}

/** A Redis server's own CPU seconds so far (user + system), from INFO cpu. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const cpu = await redis.info('cpu');
  const read = (field: string): number => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  return read('used_cpu_user') + read('used_cpu_sys');
}

/** Resolves once `url` answers 2xx (a service the benchmark started is up); throws after 30 s. */
export async function waitForOk(url: string): Promise<void> {
  const until = Date.now() + 30_000;
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
