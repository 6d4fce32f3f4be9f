import { Worker } from 'bullmq';
import type { RedisClient } from '../../shared/queue/redis.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import type { ClickJob } from '../../shared/queue/jobs.js';
import { workerOptions } from '../../shared/queue/job-options.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import type { Store } from '../../shared/store/store.js';
import { createBatcher } from './batcher.js';

export interface ClickWorkerDeps {
  connection: RedisClient;
  prefix: string;
  concurrency: number;
  jobLockMs: number;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  /** False: take no job until `run()`. */
  autorun?: boolean;
}

/** Stores queued clicks, the clicks of concurrent jobs in one transaction; storing one twice changes nothing. */
export function createClickWorker({
  connection,
  prefix,
  concurrency,
  jobLockMs,
  autorun,
  store,
  logger,
  metrics,
}: ClickWorkerDeps): Worker<ClickJob> {
  const log = logger.child({ component: 'click-worker' });
  const batcher = createBatcher<ClickJob, null>(async (jobs) => {
    await store.insertClicks(jobs.map(({ requestId: _requestId, ...click }) => ({ ...click, cost_micros: 0 })));
    return jobs.map(() => null);
  }, concurrency);
  return new Worker<ClickJob>(
    QueueNames.CLICKS,
    async (job) => {
      const timer = metrics.jobDuration.startTimer({ queue: QueueNames.CLICKS });
      await batcher.submit(job.data);
      timer();
      if (log.isDebugEnabled()) log.debug('click stored', { clickid: job.data.clickid, requestId: job.data.requestId });
    },
    { connection, prefix, concurrency, ...workerOptions(jobLockMs, autorun) },
  );
}
