import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import type { Logger } from '../../shared/logging/logger.js';

export type ShedReason = 'backlog' | 'in_flight';

export interface BackpressureOptions {
  /** How many postback jobs wait in Redis now. */
  waiting: () => Promise<number>;
  maxBacklog: number;
  maxInFlight: number;
  /** How often the backlog is read; requests only read the last answer. */
  sampleMs?: number;
  logger: Logger;
}

export interface Backpressure {
  /** Why a postback must be refused now, or null to take it. */
  refuse(): ShedReason | null;
  /** Counts `write` as in flight until it settles. */
  track<T>(write: Promise<T>): Promise<T>;
  close(): void;
}

/**
 * Bounds on what the receiver takes before the worker catches up: the postbacks queue's
 * backlog (read every `sampleMs`, so a request costs no Redis call) and this process's
 * writes to Redis under way. Beyond either a postback gets a fast 503 with Retry-After
 * (counted in /metrics), never a 200 that was not queued; below them nothing changes.
 * Redis refusing a write (maxmemory with noeviction) is a 503 by the write failing.
 */
export function createBackpressure({ waiting, maxBacklog, maxInFlight, sampleMs = 500, logger }: BackpressureOptions): Backpressure {
  let inFlight = 0;
  let backlogged = false;
  const sample = (): void => {
    waiting().then(
      (n) => {
        const over = n >= maxBacklog;
        if (over !== backlogged)
          logger.warn(over ? 'postback backlog over MAX_BACKLOG: refusing postbacks' : 'postback backlog back under MAX_BACKLOG', {
            waiting: n,
            maxBacklog,
          });
        backlogged = over;
      },
      // Redis away: the writes fail and answer 503 on their own.
      () => undefined,
    );
  };
  sample();
  const timer = setInterval(sample, sampleMs);
  timer.unref();
  return {
    refuse: () => (inFlight >= maxInFlight ? 'in_flight' : backlogged ? 'backlog' : null),
    track: async (write) => {
      inFlight++;
      try {
        return await write;
      } finally {
        inFlight--;
      }
    },
    close: () => {
      clearInterval(timer);
    },
  };
}

/** The 503 a refused postback gets: retryable, with Retry-After. */
export function overloaded(reason: ShedReason): AppError {
  const why = reason === 'backlog' ? 'the queue holds more postbacks than MAX_BACKLOG' : 'too many postbacks are being queued at once';
  return new AppError(ErrorCodes.OVERLOADED, `${why}; nothing was queued, retry later`, { httpStatus: 503, retryable: true });
}
