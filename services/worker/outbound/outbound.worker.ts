import { UnrecoverableError, Worker } from 'bullmq';
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

/**
 * BullMQ wiring for outbound postbacks. A failed send throws, so BullMQ's attempts
 * and exponential backoff apply; a permanent failure (refused address, 4xx, missing
 * settings) throws UnrecoverableError and waits for an operator's retry.
 */
export function createOutboundWorker(deps: OutboundWorkerDeps): Worker<OutboundJob> {
  const logger = deps.logger.child({ component: 'outbound-worker' });
  return new Worker<OutboundJob>(
    QueueNames.OUTBOUND,
    async (job) => {
      const timer = deps.metrics.jobDuration.startTimer({ queue: QueueNames.OUTBOUND });
      const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const result = await deliver(deps, job.data.deliveryId, final);
      timer();
      if (result.kind === 'already_delivered') return { state: 'delivered', sent: false };
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
      logger.warn('conversion delivery failed', { ...fields, error: result.error, permanent: result.permanent, final });
      throw result.permanent ? new UnrecoverableError(result.error) : new Error(result.error);
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency, ...workerOptions(deps.jobLockMs, deps.autorun) },
  );
}
