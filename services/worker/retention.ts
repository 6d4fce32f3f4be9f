import type { RetentionDays } from '../../shared/config/config.js';
import { DAY_MS } from '../../shared/domain/time-zone.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import type { RedisClient } from '../../shared/queue/redis.js';
import type { RetentionRepository } from '../../shared/store/store.js';
import { intervalSweep } from './interval-sweep.js';

export interface RetentionDeps {
  store: RetentionRepository;
  redis: RedisClient;
  prefix: string;
  days: RetentionDays;
  metrics: Metrics;
  logger: Logger;
  /** How often a sweep runs, among all worker processes. */
  intervalMs: number;
  now?: () => number;
}

/** Rows one batch removes: a short transaction, so the worker's commits wait little. */
const BATCH = 2_000;
/** Longest one sweep goes on; the next goes on where it stopped. */
const SWEEP_MS = 5_000;

export interface Retention {
  /** One sweep now; resolves with how many of each were removed. */
  sweep(): Promise<Record<'clicks' | 'postbacks' | 'deliveries', number>>;
  /** Sweeps every `intervalMs` (one process at a time) until `close()`. */
  start(): void;
  close(): Promise<void>;
}

/**
 * Removes raw clicks, postback log entries and settled deliveries older than their
 * retention (whole UTC days: a click of 3 March goes when 3 March is past its days),
 * in small batches with the event loop free between them, at most SWEEP_MS a sweep
 * and one sweep per interval among every worker process. Off the hot path: nothing a
 * postback or click waits for. The rollups stay, so reports they serve stay exact.
 */
export function createRetention(deps: RetentionDeps): Retention {
  const logger = deps.logger.child({ component: 'retention' });
  const now = deps.now ?? Date.now;
  const cutoff = (days: number): number => (Math.floor(now() / DAY_MS) - days) * DAY_MS;

  const sweep: Retention['sweep'] = async () => {
    const removed = { clicks: 0, postbacks: 0, deliveries: 0 };
    const until = Date.now() + SWEEP_MS;
    const kinds = [
      ['clicks', deps.days.clicksDays, (before: number) => deps.store.removeClicksBefore(before, BATCH)],
      ['postbacks', deps.days.postbacksDays, (before: number) => deps.store.removePostbacksBefore(before, BATCH)],
      ['deliveries', deps.days.deliveriesDays, (before: number) => deps.store.removeDeliveriesBefore(before, BATCH)],
    ] as const;
    for (const [kind, days, remove] of kinds) {
      if (days === 0) continue;
      const before = cutoff(days);
      for (;;) {
        const batch = await remove(before);
        removed[kind] += batch;
        if (batch < BATCH || Date.now() > until) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    for (const [kind, count] of Object.entries(removed)) if (count > 0) deps.metrics.rowsRemoved.inc({ kind }, count);
    if (removed.clicks + removed.postbacks + removed.deliveries > 0) logger.info('retention removed old rows', removed);
    return removed;
  };

  const enabled = deps.days.clicksDays + deps.days.postbacksDays + deps.days.deliveriesDays > 0;
  const ticking = intervalSweep({
    redis: deps.redis,
    key: `${deps.prefix}:retention`,
    intervalMs: deps.intervalMs,
    sweep,
    logger,
    what: 'retention sweep',
  });

  return {
    sweep,
    start: () => {
      if (enabled) ticking.start();
    },
    close: () => ticking.close(),
  };
}
