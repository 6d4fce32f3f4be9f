import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging/logger.js';

/**
 * `producer`: fails fast while Redis is away (no offline queue, bounded command time),
 * so the receiver answers 503 instead of holding requests.
 * `worker`: waits for Redis as long as it takes, as BullMQ workers require.
 * Connection errors go to `logger` (at most one line per 10 s while Redis stays away);
 * without a listener ioredis would print each one to the console.
 */
export function createRedis(url: string, role: 'producer' | 'worker', logger?: Logger): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 2000 }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  const redis = new Redis(url, { ...options, retryStrategy: (times) => Math.min(times * 200, 2000) });
  let lastLogged = 0;
  redis.on('error', (err: Error) => {
    if (!logger || Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    logger.warn('redis connection error', { role, err: err.message });
  });
  return redis;
}
