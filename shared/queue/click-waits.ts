import type { RedisClient } from './redis.js';

/**
 * The postbacks waiting in Redis for a click not stored yet, counted so that they stay
 * bounded: each takes about 1.3 KB of Redis for up to UNKNOWN_CLICKID_WINDOW_SECONDS,
 * so a flood of made-up click ids on an open postback URL would otherwise fill Redis
 * and, with `noeviction`, turn every postback into a 503.
 */
export interface ClickWaits {
  /**
   * Asks room for postbacks about to wait for the first time: the ids given room (and
   * those already waiting) come back; the others should not wait. `until` is when each
   * stops waiting at the latest (its room is freed then even if nobody says so).
   */
  admit(postbacks: ReadonlyArray<{ id: string; until: number }>): Promise<Set<string>>;
  /** Frees the room of postbacks that waited and are now settled. */
  release(ids: readonly string[]): Promise<void>;
  /** How many postbacks wait now. */
  count(): Promise<number>;
}

// KEYS[1]: the sorted set (member: postback id, score: when its wait ends at the latest).
// ARGV: now, the bound, then id, until pairs. Drops the waits that are over, then gives
// each id room while there is some; one that already waits keeps its room.
const ADMIT = `
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
local room = tonumber(ARGV[2]) - redis.call('zcard', KEYS[1])
local admitted = {}
for i = 3, #ARGV, 2 do
  if redis.call('zscore', KEYS[1], ARGV[i]) then
    admitted[#admitted + 1] = ARGV[i]
  elseif room > 0 then
    redis.call('zadd', KEYS[1], ARGV[i + 1], ARGV[i])
    room = room - 1
    admitted[#admitted + 1] = ARGV[i]
  end
end
return admitted`;

/** A wait's room is kept this long past its window, so a postback's last look always finds it. */
const SLACK_MS = 60_000;

/** The waits of `prefix`'s postbacks queue, bounded to `max` (0: no postback waits). */
export function createClickWaits(redis: RedisClient, prefix: string, max: number): ClickWaits {
  const key = `${prefix}:postbacks:click-waits`;
  return {
    async admit(postbacks) {
      if (postbacks.length === 0) return new Set();
      const args = postbacks.flatMap(({ id, until }) => [id, String(until + SLACK_MS)]);
      const admitted = (await redis.eval(ADMIT, 1, key, String(Date.now()), String(max), ...args)) as string[];
      return new Set(admitted);
    },
    async release(ids) {
      if (ids.length > 0) await redis.zrem(key, ...ids);
    },
    async count() {
      await redis.zremrangebyscore(key, '-inf', Date.now());
      return redis.zcard(key);
    },
  };
}
