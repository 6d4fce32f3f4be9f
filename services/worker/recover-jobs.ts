import type { Job } from 'bullmq';
import type { Delivery } from '../../shared/domain/outbound.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import type { PostbacksQueueJob } from '../../shared/queue/jobs.js';
import type { TypedQueue } from '../../shared/queue/queues.js';
import type { QueueNames } from '../../shared/queue/queue-names.js';
import type { RedisClient } from '../../shared/queue/redis.js';
import type { Cursor, Page, Store } from '../../shared/store/store.js';
import { logStalledPostbacks, stalledOut } from './stalled-postbacks.js';
import { intervalSweep } from './interval-sweep.js';

export interface RecoveryDeps {
  store: Store;
  redis: RedisClient;
  prefix: string;
  outbound: TypedQueue<typeof QueueNames.OUTBOUND>;
  postbacks: TypedQueue<typeof QueueNames.POSTBACKS>;
  /** Adds a delivery's job under the delivery's id, with the outbound options. */
  enqueueDelivery: (deliveryId: string) => Promise<void>;
  metrics: Metrics;
  logger: Logger;
  /** How often a sweep runs, among all worker processes; also how long a delivery must have been left alone to be looked at. */
  intervalMs: number;
  now?: () => number;
}

/** Most deliveries one sweep looks at; the next sweep goes on where it stopped. */
const MAX_PER_SWEEP = 5_000;
const PAGE = 500;
/** Job states in which BullMQ will not run the job again (`unknown`: no such job); in any other it will. */
const ENDED = new Set(['failed', 'completed', 'unknown']);

export interface Recovery {
  /** One sweep now; resolves with the deliveries queued again and the postbacks logged. */
  sweep(): Promise<{ deliveries: string[]; postbacks: string[] }>;
  /** Sweeps every `intervalMs` (one process at a time) until `close()`. */
  start(): void;
  close(): Promise<void>;
}

/**
 * The delivery log in the store is the record, BullMQ only the means: whatever
 * happened to a job (stalled past BullMQ's limit, failed while the store was away,
 * removed from the dashboard, lost with a Redis that restarted without it), a
 * delivery still `queued` or `retrying` whose job will not run is queued again under
 * its own id (a job already there is kept once, so two sweeps do no harm), counted in
 * `convtrack_deliveries_recovered_total` with one log line. And postbacks jobs BullMQ
 * failed for stalling whose postbacks the log does not hold are logged
 * (`logStalledPostbacks`), in case the worker that failed them died before it could.
 */
export function createRecovery(deps: RecoveryDeps): Recovery {
  const logger = deps.logger.child({ component: 'recovery' });
  const now = deps.now ?? Date.now;
  const cursors: Record<'queued' | 'retrying', Cursor | null> = { queued: null, retrying: null };

  const recoverDelivery = async (delivery: Delivery): Promise<boolean> => {
    const state = await deps.outbound.getJobState(delivery.id);
    if (!ENDED.has(state)) return false;
    // Read again: a job that just finished may have recorded its delivery meanwhile.
    const current = await deps.store.getDelivery(delivery.id);
    if (!current || (current.state !== 'queued' && current.state !== 'retrying')) return false;
    if (state === 'failed' || state === 'completed') {
      const job = await deps.outbound.getJob(delivery.id);
      // A fresh series of attempts (its failure was not the channel's, or its record would say failed).
      // Another sweep or an operator may have retried it since: then it is live again and this is refused.
      await job?.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true }).catch(() => undefined);
    } else {
      await deps.enqueueDelivery(delivery.id);
    }
    deps.metrics.deliveriesRecovered.inc({ job: state });
    logger.warn('delivery queued again from the delivery log', {
      deliveryId: delivery.id,
      conversionId: delivery.conversion_id,
      channelId: delivery.channel_id,
      deliveryState: current.state,
      attempts: current.attempts,
      job: state,
    });
    return true;
  };

  const sweepDeliveries = async (): Promise<string[]> => {
    const recovered: string[] = [];
    const leftAlone = now() - deps.intervalMs;
    let seen = 0;
    for (const state of ['queued', 'retrying'] as const) {
      do {
        const page: Page<Delivery> = await deps.store.listDeliveries({ state }, { limit: PAGE, cursor: cursors[state] });
        cursors[state] = page.next;
        seen += page.items.length;
        const due = page.items.filter((d) => d.updated_at <= leftAlone);
        const done = await Promise.all(due.map(recoverDelivery));
        recovered.push(...due.filter((_, i) => done[i]).map((d) => d.id));
      } while (cursors[state] !== null && seen < MAX_PER_SWEEP);
    }
    return recovered;
  };

  const sweepStalledPostbacks = async (): Promise<string[]> => {
    const since = now() - 10 * deps.intervalMs;
    const logged: string[] = [];
    const failed = (await deps.postbacks.getJobs(['failed'], 0, 199, false)) as Array<Job<PostbacksQueueJob>>;
    for (const job of failed)
      if (stalledOut(job.failedReason) && (job.finishedOn ?? 0) >= since) logged.push(...(await logStalledPostbacks(deps.store, job)));
    if (logged.length) logger.error('postbacks of stalled-out jobs logged rejected worker_crashed', { postbackIds: logged });
    return logged;
  };

  const sweep = async (): Promise<{ deliveries: string[]; postbacks: string[] }> => ({
    deliveries: await sweepDeliveries(),
    postbacks: await sweepStalledPostbacks(),
  });

  // One sweep per interval among every worker process: whoever sets the key sweeps.
  const ticking = intervalSweep({
    redis: deps.redis,
    key: `${deps.prefix}:recovery`,
    intervalMs: deps.intervalMs,
    sweep,
    logger,
    what: 'recovery sweep',
  });

  return { sweep, start: () => ticking.start(), close: () => ticking.close() };
}
