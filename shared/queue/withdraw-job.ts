import { AppError } from '../errors/app-error.js';
import type { QueueName } from './queue-names.js';
import type { TypedQueue } from './queues.js';
import type { RedisClient } from './redis.js';

/**
 * Takes a job out of every list and set a worker takes jobs from, atomically: 1 when it
 * was still there (no worker will run it: withdrawn), 0 when the node never had it, -1
 * when the node has it but not waiting (a worker took it: it may be applied).
 * KEYS: wait, paused, delayed, prioritized, the job's hash. ARGV: the job id.
 */
const WITHDRAW = `
local n = redis.call('LREM', KEYS[1], 0, ARGV[1]) + redis.call('LREM', KEYS[2], 0, ARGV[1])
  + redis.call('ZREM', KEYS[3], ARGV[1]) + redis.call('ZREM', KEYS[4], ARGV[1])
if n > 0 then
  redis.call('DEL', KEYS[5], KEYS[5] .. ':logs')
  return 1
end
if redis.call('EXISTS', KEYS[5]) == 1 then return -1 end
return 0`;

/** How long a 503 may wait to learn whether its job can be withdrawn (a failover takes about this long). */
export const WITHDRAW_WITHIN_MS = 3_000;

/**
 * A 503 means "not applied" wherever that can be known: before answering it, the job
 * that Redis may hold (still held in the delayed set) is withdrawn. The error says
 * which (`appliedOf`): "maybe" when the node had the job but not waiting (a worker took
 * it: its hold ended, or it was promoted), or no node serving the queue answered within
 * WITHDRAW_WITHIN_MS.
 */
export async function withdrawn<N extends QueueName>(
  redis: RedisClient,
  queue: TypedQueue<N>,
  id: string,
  error: AppError,
): Promise<AppError> {
  const key = (type: string): string => queue.toKey(type);
  const until = Date.now() + WITHDRAW_WITHIN_MS;
  for (;;) {
    try {
      const result = Number(await redis.eval(WITHDRAW, 5, key('wait'), key('paused'), key('delayed'), key('prioritized'), key(id), id));
      return mark(error, result === -1 ? 'maybe' : 'no');
    } catch {
      // The node is failing over or reconnecting: ask again until the deadline.
      if (Date.now() > until) return mark(error, 'maybe');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const APPLIED_NO = 'no: the job was withdrawn or never queued; send the postback again';
const APPLIED_MAYBE = 'maybe: the job could not be withdrawn (a worker had it, or Redis did not answer in time)';

const mark = (error: AppError, applied: 'no' | 'maybe'): AppError =>
  new AppError(error.code, `${error.message}; ${applied === 'no' ? 'not applied: send it again' : 'it may still be applied'}`, {
    httpStatus: 503,
    retryable: true,
    details: [{ field: 'applied', message: applied === 'no' ? APPLIED_NO : APPLIED_MAYBE }],
    cause: error,
  });

/** What a 503 from `enqueue` says of its job: withdrawn or never queued (`no`), or perhaps applied (`maybe`); null when it does not say. */
export function appliedOf(err: unknown): 'no' | 'maybe' | null {
  const detail = err instanceof AppError ? err.details.find((d) => d.field === 'applied') : undefined;
  return detail?.message === APPLIED_NO ? 'no' : detail?.message === APPLIED_MAYBE ? 'maybe' : null;
}
