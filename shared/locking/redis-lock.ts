import { createHash, randomUUID } from 'node:crypto';
import type { RedisClient } from '../queue/redis.js';
import { AppError } from '../errors/app-error.js';
import { ErrorCodes } from '../errors/error-codes.js';

export interface LockOptions {
  /** How long the lock lives if its holder dies; well above the time the work takes, unless it is renewed. */
  ttlMs: number;
  /** How long to wait for it before giving up (0: one try). */
  waitMs: number;
  /**
   * A lease: while the work runs, the lock's TTL is set back to `ttlMs` this often, so
   * `ttlMs` can be short whatever the work takes and a holder that dies frees it soon.
   */
  renewEveryMs?: number;
}

/**
 * Runs `work` while holding the lock for `name`. `work` may ask `held()` whether the
 * lock is still its own (false once it lapsed: a process frozen past the TTL).
 */
export type WithLock = <T>(name: string, work: (held: () => Promise<boolean>) => Promise<T>) => Promise<T>;

// Deletes the key only if it still holds our token, so an expired lock that someone
// else took since is not released by us.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/** The Redis key of the lock `name` under `prefix`. */
export const lockKey = (prefix: string, name: string): string => `${prefix}:lock:${createHash('sha1').update(name).digest('hex')}`;

/**
 * A Redis lock per name (SET NX PX, released in `finally`). It spares workers from
 * racing on one key; correctness does not rest on it: the store's compare-and-set does.
 */
export function createRedisLock(redis: RedisClient, prefix: string, options: LockOptions): WithLock {
  return async (name, work) => {
    const key = lockKey(prefix, name);
    const token = randomUUID();
    const until = Date.now() + options.waitMs;
    let pause = 5;
    while ((await redis.set(key, token, 'PX', options.ttlMs, 'NX')) !== 'OK') {
      if (Date.now() >= until)
        throw new AppError(ErrorCodes.LOCK_BUSY, `lock ${name} still held after ${options.waitMs} ms`, { retryable: true });
      await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
      pause = Math.min(pause * 2, 100);
    }
    const renewal = options.renewEveryMs
      ? setInterval(() => void redis.eval(RENEW, 1, key, token, options.ttlMs).catch(() => undefined), options.renewEveryMs)
      : null;
    const held = async (): Promise<boolean> => (await redis.get(key)) === token;
    try {
      return await work(held);
    } finally {
      if (renewal) clearInterval(renewal);
      await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  };
}
