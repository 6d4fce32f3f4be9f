import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import { AppError } from '../../../shared/errors/app-error.js';
import { ErrorCodes } from '../../../shared/errors/error-codes.js';
import type { RedisClient } from '../../../shared/queue/redis.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { Metrics } from '../../../shared/metrics/metrics.js';
import type { OutboundJob } from '../../../shared/queue/jobs.js';
import { workerOptions } from '../../../shared/queue/job-options.js';
import { QueueNames } from '../../../shared/queue/queue-names.js';
import { deliver, type DeliverDeps } from './deliver.js';

export interface OutboundWorkerDeps extends DeliverDeps {
  connection: RedisClient;
  prefix: string;
  concurrency: number;
  jobLockMs: number;
  logger: Logger;
  metrics: Metrics;
  autorun?: boolean;
}

/** How long a delivery whose lock is held waits before trying again. */
const LOCK_RETRY_MS = 500;
/** How long a reversal waits for its conversion's own delivery before looking again. */
const CONVERSION_WAIT_MS = 10_000;

/**
 * BullMQ wiring for outbound postbacks. A failed send throws, so BullMQ's attempts
 * and exponential backoff apply; a permanent failure (refused address, 4xx, missing
 * settings) throws UnrecoverableError and waits for an operator's retry. A delivery
 * whose lock is held goes back to the delayed set without spending an attempt: the
 * holder may be a worker killed mid-send, whose lock lasts until its lease runs out.
 * Whatever still happens to a job (stalled past BullMQ's limit, removed, lost with
 * Redis), the delivery log is the record and the recovery sweep (`recover-jobs.ts`) queues it again.
 */
export function createOutboundWorker(deps: OutboundWorkerDeps): Worker<OutboundJob> {
  const logger = deps.logger.child({ component: 'outbound-worker' });
  return new Worker<OutboundJob>(
    QueueNames.OUTBOUND,
    async (job, token) => {
      const timer = deps.metrics.jobDuration.startTimer({ queue: QueueNames.OUTBOUND });
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      let result: Awaited<ReturnType<typeof deliver>>;
      try {
        result = await deliver(deps, job.data.deliveryId, final);
      } catch (err) {
        if (!(err instanceof AppError && err.code === ErrorCodes.LOCK_BUSY) || token === undefined) throw err;
        logger.debug('delivery busy elsewhere; retrying', { deliveryId: job.data.deliveryId, retryInMs: LOCK_RETRY_MS });
        await job.moveToDelayed(Date.now() + LOCK_RETRY_MS, token);
        throw new DelayedError();
      }
      timer();
      if (result.kind === 'already_delivered') return { state: 'delivered', sent: false };
      if (result.kind === 'wait' && token !== undefined) {
        await job.moveToDelayed(Date.now() + CONVERSION_WAIT_MS, token);
        throw new DelayedError();
      }
      if (result.kind === 'wait') throw new Error('waiting for the conversion itself to reach the channel');
      const { delivery } = result;
      const fields = {
        deliveryId: delivery.id,
        channelId: delivery.channel_id,
        conversionId: delivery.conversion_id,
        attempts: delivery.attempts,
        url: delivery.url,
        httpStatus: delivery.http_status,
      };
      deps.metrics.outboundAttempts.inc({ result: delivery.state });
      if (result.kind === 'delivered') {
        logger.info('conversion delivered', fields);
        return { state: 'delivered', sent: true, httpStatus: delivery.http_status };
      }
      if (result.kind === 'not_sent') {
        logger.info('reversal not sent', { ...fields, error: delivery.error });
        return { state: 'not_sent', sent: false, reason: delivery.error };
      }
      logger.warn('conversion delivery failed', { ...fields, error: result.error, permanent: result.permanent, final });
      throw result.permanent ? new UnrecoverableError(result.error) : new Error(result.error);
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency, ...workerOptions(deps.jobLockMs, deps.autorun) },
  );
}
