import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { createRedis, describeRedis, waitForRedis, type RedisClient } from './redis.js';
import { guardRedisDurability } from './redis-durability.js';

/**
 * A service's connection to its Redis (one server or a cluster) once it answers, its
 * durability checked (specification §9) unless `guard` is false (a process whose parent checked).
 */
export async function openRedis(
  config: Pick<Config, 'redis' | 'env'>,
  role: 'producer' | 'worker',
  logger: Logger,
  guard = true,
): Promise<RedisClient> {
  const where = describeRedis(config.redis);
  const redis = createRedis(config.redis, role, logger);
  await waitForRedis(redis, where);
  if (guard) await guardRedisDurability(redis, where, config.env, logger);
  return redis;
}
