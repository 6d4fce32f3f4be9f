import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { durabilityProblems, readRedisDurability } from '../shared/queue/redis-durability.js';

/** A client for one quick question: no retries, no queueing while disconnected, a second to connect. */
function probeClient(url: string): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  return client;
}

/** True when something at `url` answers PING within a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = probeClient(url);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** One line on whether the Redis at `url` keeps queued postbacks across a restart. */
export async function describeRedisDurability(url: string): Promise<string> {
  const client = probeClient(url);
  try {
    await client.connect();
    const state = await readRedisDurability(client);
    const problems = durabilityProblems(state);
    if (problems.length) return `NOT durable: ${problems.join('; ')}`;
    return state.aof === null ? 'persistence unknown (Redis would not say)' : 'durable (AOF on, noeviction)';
  } catch (err) {
    return `not checked (${(err as Error).message})`;
  } finally {
    client.disconnect();
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Starts a private redis-server for `url` (a loopback URL nothing answers at), with
 * its files under `dir`: appendonly on, so queued postbacks survive a restart, and
 * noeviction, so Redis refuses new jobs rather than dropping old ones. Null when the
 * URL is not local or no redis-server binary is on the PATH.
 */
export function startLocalRedis(url: string, dir: string): ChildProcess | null {
  const { hostname, port } = new URL(url);
  if (!LOOPBACK.has(hostname)) return null;
  if (spawnSync('redis-server', ['--version']).status !== 0) return null;
  const path = resolve(dir);
  mkdirSync(path, { recursive: true });
  return spawn(
    'redis-server',
    [
      '--port',
      port || '6379',
      '--bind',
      '127.0.0.1',
      '--dir',
      path,
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}
