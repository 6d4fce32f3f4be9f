import { Worker } from 'bullmq';
import type { RedisClient } from '../../shared/queue/redis.js';
import type { WithLock } from '../../shared/locking/redis-lock.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import type { CostJob } from '../../shared/queue/jobs.js';
import { workerOptions } from '../../shared/queue/job-options.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import type { Store } from '../../shared/store/store.js';

export interface CostWorkerDeps {
  connection: RedisClient;
  prefix: string;
  jobLockMs: number;
  store: Store;
  withLock: WithLock;
  logger: Logger;
  metrics: Metrics;
  autorun?: boolean;
}

/**
 * Applies cost updates and undos. The store applies each in one transaction and keeps
 * its result, so a retried job answers the same result; the per-campaign lock only
 * keeps two workers from spreading over the same clicks at once.
 */
export function createCostWorker(deps: CostWorkerDeps): Worker<CostJob> {
  const logger = deps.logger.child({ component: 'cost-worker' });
  return new Worker<CostJob>(
    QueueNames.COSTS,
    async (job) => {
      const timer = deps.metrics.jobDuration.startTimer({ queue: QueueNames.COSTS });
      const { request, requestedAt, requestId } = job.data;
      const record = await deps.withLock(`cost ${request.campaign_id}`, () =>
        deps.store.applyCost({ id: job.id as string, requested_at: requestedAt, request }, Date.now()),
      );
      timer();
      logger.info('cost job processed', {
        costId: record.id,
        requestId,
        kind: request.kind,
        campaignId: request.campaign_id,
        state: record.state,
        clicks: record.clicks,
        undoes: record.undoes,
      });
      return { state: record.state, clicks: record.clicks };
    },
    // One at a time per process: a cost job may touch many clicks.
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1, ...workerOptions(deps.jobLockMs, deps.autorun) },
  );
}
