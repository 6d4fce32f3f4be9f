import { errorFields } from '../../shared/logging/error-fields.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { RedisClient } from '../../shared/queue/redis.js';

/** A sweep run every interval by one worker process among all of them. */
export interface IntervalSweep {
  /** Ticks every `intervalMs` until `close()`. */
  start(): void;
  /** Stops ticking and waits for a sweep in flight. */
  close(): Promise<void>;
}

/**
 * Runs `sweep` once per `intervalMs` among every worker process: at each tick a process
 * tries to set the Redis key `key` (NX, expiring after the interval), and only the one
 * that set it sweeps. A tick while this process's last sweep still runs is skipped; a
 * failed sweep is logged as a warning naming `what`, and the next interval tries again.
 */
export function intervalSweep({
  redis,
  key,
  intervalMs,
  sweep,
  logger,
  what,
}: {
  redis: RedisClient;
  key: string;
  intervalMs: number;
  sweep: () => Promise<unknown>;
  logger: Logger;
  what: string;
}): IntervalSweep {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  const tick = async (): Promise<void> => {
    const mine = await redis.set(key, String(process.pid), 'PX', intervalMs, 'NX');
    if (mine === 'OK') await sweep();
  };
  return {
    start: () => {
      timer ??= setInterval(() => {
        if (running) return;
        running = tick()
          .catch((err: unknown) => logger.warn(`${what} failed; trying again next interval`, { err: errorFields(err) }))
          .finally(() => {
            running = null;
          });
      }, intervalMs);
      timer.unref();
    },
    close: async () => {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
