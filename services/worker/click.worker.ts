import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import type { ClickJob } from '../../shared/queue/jobs.js';
import { workerOptions } from '../../shared/queue/job-options.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import type { Store } from '../../shared/store/store.js';

export interface ClickWorkerDeps {
  connection: Redis;
  prefix: string;
  concurrency: number;
  jobLockMs: number;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  /** False: take no job until `run()`. */
  autorun?: boolean;
}

/** Stores queued clicks; storing one twice changes nothing. */
export function createClickWorker({ connection, prefix, concurrency, jobLockMs, autorun, store, logger, metrics }: ClickWorkerDeps): Worker<ClickJob> {
  const log = logger.child({ component: 'click-worker' });
  return new Worker<ClickJob>(
    QueueNames.CLICKS,
    async (job) => {
      const timer = metrics.jobDuration.startTimer({ queue: QueueNames.CLICKS });
      const { requestId, ...click } = job.data;
      await store.insertClick({ ...click, cost_micros: 0 });
      timer();
      log.debug('click stored', { clickid: click.clickid, requestId });
    },
    { connection, prefix, concurrency, ...workerOptions(jobLockMs, autorun) },
  );
}
