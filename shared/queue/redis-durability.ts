import type { Redis } from 'ioredis';
import { StartupError } from '../lifecycle/run-service.js';
import type { Logger } from '../logging/logger.js';
import { withEachNode, type RedisClient } from './redis.js';

/** What Redis says of its persistence and eviction (null: it would not say). */
export interface RedisDurability {
  aof: boolean | null;
  policy: string | null;
  /** `maxmemory` in bytes; 0 means no limit. */
  maxmemory: number | null;
  /** Why a value is null, e.g. a managed Redis that forbids CONFIG. */
  notes: string[];
}

/** Reads `INFO persistence` and `CONFIG GET maxmemory*`; a refused command leaves its value null. */
export async function readRedisDurability(redis: Redis): Promise<RedisDurability> {
  const result: RedisDurability = { aof: null, policy: null, maxmemory: null, notes: [] };
  try {
    const info = await redis.info('persistence');
    const match = /^aof_enabled:(\d)/m.exec(info);
    if (match) result.aof = match[1] === '1';
    else result.notes.push('INFO persistence did not say whether AOF is on');
  } catch (err) {
    result.notes.push(`INFO persistence was refused (${(err as Error).message})`);
  }
  try {
    const pairs = await redis.config('GET', 'maxmemory*');
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      if (pairs[i] === 'maxmemory-policy') result.policy = pairs[i + 1] ?? null;
      if (pairs[i] === 'maxmemory') result.maxmemory = Number(pairs[i + 1]);
    }
  } catch (err) {
    result.notes.push(
      `CONFIG GET was refused (${(err as Error).message}), as managed Redis services do: check yourself that maxmemory-policy is noeviction`,
    );
  }
  return result;
}

/** What is wrong for a queue that must not lose an acknowledged postback, one fix per problem. */
export function durabilityProblems(state: RedisDurability): string[] {
  const problems: string[] = [];
  if (state.aof === false) problems.push('AOF is off, so a Redis restart loses every queued postback (set appendonly yes)');
  if (state.policy !== null && state.policy !== 'noeviction')
    problems.push(`maxmemory-policy is ${state.policy}, so a full Redis drops queued postbacks (set maxmemory-policy noeviction)`);
  return problems;
}

/**
 * The durability guard (specification §9): in production a Redis that forgets (AOF off) or
 * evicts (a policy other than noeviction) is a reason not to start; elsewhere it is
 * one warning line. What could not be read is said and tolerated. On a cluster every
 * node is checked, replicas too: a replica becomes the master on a failover.
 */
export async function guardRedisDurability(redis: RedisClient, where: string, env: string, logger: Logger): Promise<void> {
  const problems: string[] = [];
  const { visited: nodes, unreachable } = await withEachNode(redis, async (node, label) => {
    const state = await readRedisDurability(node);
    for (const note of state.notes) logger.warn('redis durability not fully checked', { redis: where, node: label, note });
    problems.push(...durabilityProblems(state).map((problem) => (label ? `${label}: ${problem}` : problem)));
  });
  // A node down right now (a replica restarting) is said, not a reason to stay down ourselves.
  for (const node of unreachable)
    logger.warn('redis durability not fully checked', { redis: where, node, note: 'the node did not answer' });
  if (problems.length === 0) {
    logger.info('redis durability checked', { redis: where, nodes });
    return;
  }
  const line = `Redis at ${where} can lose acknowledged postbacks: ${problems.join('; ')}`;
  if (env === 'production') throw new StartupError(`${line}. Refusing to start in production.`);
  logger.warn('redis can lose acknowledged postbacks', {
    redis: where,
    problems,
    note: 'fine for a try-out; NODE_ENV=production refuses to start like this',
  });
}
