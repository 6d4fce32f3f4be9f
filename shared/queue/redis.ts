import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { errorFields } from '../logging/error-fields.js';

/** One Redis or a Redis Cluster: BullMQ, the locks and the caches take either. */
export type RedisClient = Redis | Cluster;

type RedisSettings = Pick<Config['redis'], 'url' | 'cluster'>;

const retryStrategy = (times: number): number => Math.min(times * 200, 2000);

/** Per-connection options of a role. */
function roleOptions(role: 'producer' | 'worker'): RedisOptions {
  return role === 'producer'
    ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 2000 }
    : { maxRetriesPerRequest: null, enableReadyCheck: true };
}

/**
 * `producer`: fails fast while Redis is away (no offline queue, bounded command time),
 * so the receiver answers 503 instead of holding requests.
 * `worker`: waits for Redis as long as it takes, as BullMQ workers require.
 * With REDIS_CLUSTER_NODES the same roles on an ioredis `Cluster`: it finds the other
 * nodes from the ones given and follows slots as they move (a failover included).
 * Connection errors go to `logger` (at most one line per 10 s while Redis stays away);
 * without a listener ioredis would print each one to the console.
 */
export function createRedis(settings: RedisSettings, role: 'producer' | 'worker', logger?: Logger): RedisClient {
  const redis: RedisClient = settings.cluster
    ? new Cluster(settings.cluster.nodes, {
        redisOptions: {
          ...roleOptions(role),
          ...(settings.cluster.password === null ? {} : { password: settings.cluster.password }),
          ...(settings.cluster.username === null ? {} : { username: settings.cluster.username }),
          ...(settings.cluster.tls ? { tls: {} } : {}),
        },
        enableOfflineQueue: role === 'worker',
        clusterRetryStrategy: retryStrategy,
        // Ask for the slot map again this often, besides on MOVED and on a node's loss.
        slotsRefreshInterval: 2000,
      })
    : new Redis(settings.url, { ...roleOptions(role), retryStrategy });
  let lastLogged = 0;
  redis.on('error', (err: Error) => {
    if (!logger || Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    logger.warn('redis connection error', { role, redis: describeRedis(settings), err: errorFields(err) });
  });
  return redis;
}

/** Where Redis is, for logs and messages: the URL without its password, or the cluster's seed nodes. */
export function describeRedis(settings: RedisSettings): string {
  return settings.cluster
    ? `cluster ${settings.cluster.nodes.map((node) => `${node.host}:${String(node.port)}`).join(',')}`
    : redactUrl(settings.url);
}

/**
 * Runs `visit` on the one Redis, or on every node the cluster lists, replicas included
 * (a replica is a master after a failover), each over a short-lived connection of its
 * own; `label` is the node's address on a cluster, '' otherwise. Resolves with the
 * nodes visited and those that did not answer.
 */
export async function withEachNode(
  redis: RedisClient,
  visit: (node: Redis, label: string) => Promise<void>,
): Promise<{ visited: number; unreachable: string[] }> {
  if (!(redis instanceof Cluster)) {
    await visit(redis, '');
    return { visited: 1, unreachable: [] };
  }
  // CLUSTER NODES lists replicas too (the client's slot map need not); a node the cluster marks failed is skipped.
  const table = String(await redis.call('CLUSTER', 'NODES'));
  const addresses = [
    ...new Set(
      table
        .split('\n')
        .map((line) => line.split(' '))
        .filter(([, address, flags]) => address && flags && !/fail|noaddr|handshake/.test(flags))
        .map(([, address]) => (address ?? '').split('@')[0] ?? ''),
    ),
  ].sort();
  const unreachable: string[] = [];
  for (const address of addresses) {
    const at = address.lastIndexOf(':');
    const node = new Redis({
      ...redis.options.redisOptions,
      host: address.slice(0, at),
      port: Number(address.slice(at + 1)),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    node.on('error', () => undefined);
    try {
      await node.connect();
    } catch {
      unreachable.push(address);
      continue;
    }
    try {
      await visit(node, address);
    } finally {
      node.disconnect();
    }
  }
  return { visited: addresses.length - unreachable.length, unreachable };
}

/** Resolves once Redis (or the cluster) answers PING; rejects with a plain message after `timeoutMs`. `where` names it. */
export async function waitForRedis(redis: RedisClient, where: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (redis.status === 'ready') {
        await redis.ping();
        return;
      }
    } catch {
      // not there yet
    }
    if (Date.now() > until) throw new Error(`Redis at ${where} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
