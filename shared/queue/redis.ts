import { Redis, type RedisOptions } from 'ioredis';

/**
 * `producer`: fails fast while Redis is away (no offline queue, bounded command time),
 * so the receiver answers 503 instead of holding requests.
 * `worker`: waits for Redis as long as it takes, as BullMQ workers require.
 */
export function createRedis(url: string, role: 'producer' | 'worker'): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 2000 }
      : { maxRetriesPerRequest: null, enableReadyCheck: true };
  return new Redis(url, { ...options, retryStrategy: (times) => Math.min(times * 200, 2000) });
}
