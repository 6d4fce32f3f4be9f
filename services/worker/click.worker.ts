import { Worker } from 'bullmq';
import type { RedisClient } from '../../shared/queue/redis.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import { isClickBatch, type ClickJob, type ClicksQueueJob } from '../../shared/queue/jobs.js';
import { workerOptions } from '../../shared/queue/job-options.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import type { Store } from '../../shared/store/store.js';
import { createBatcher } from './batcher.js';

/** Most clicks in one store transaction (a job holds up to 100; concurrent jobs share transactions). */
const MAX_COMMIT = 1000;

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

/**
 * Stores queued clicks, one to a job or a burst's batch to a job, the clicks of
 * concurrent jobs in one transaction; storing one twice changes nothing.
 */
export function createClickWorker({
  connection,
  prefix,
  concurrency,
  jobLockMs,
  autorun,
  store,
  logger,
  metrics,
}: ClickWorkerDeps): Worker<ClicksQueueJob> {
  const log = logger.child({ component: 'click-worker' });
  const batcher = createBatcher<ClickJob, null>(async (jobs) => {
    await store.insertClicks(jobs.map(({ requestId: _requestId, ...click }) => ({ ...click, cost_micros: 0 })));
    return jobs.map(() => null);
  }, MAX_COMMIT);
  return new Worker<ClicksQueueJob>(
    QueueNames.CLICKS,
    async (job) => {
      const timer = metrics.jobDuration.startTimer({ queue: QueueNames.CLICKS });
      const clicks = isClickBatch(job.data) ? job.data.clicks : [job.data];
      await Promise.all(clicks.map((click) => batcher.submit(click)));
      timer();
      if (log.isDebugEnabled())
        for (const click of clicks) log.debug('click stored', { clickid: click.clickid, requestId: click.requestId });
    },
    { connection, prefix, concurrency, ...workerOptions(jobLockMs, autorun) },
  );
}
