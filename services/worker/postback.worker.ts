import { DelayedError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import type { PostbackJob } from '../../shared/queue/jobs.js';
import { workerOptions } from '../../shared/queue/job-options.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { applyPostbacks, type ApplyDeps, type PostbackInput, type PostbackResult } from './apply-postbacks.js';
import { createBatcher } from './batcher.js';

export interface PostbackWorkerDeps extends ApplyDeps {
  connection: Redis;
  prefix: string;
  concurrency: number;
  jobLockMs: number;
  logger: Logger;
  metrics: Metrics;
  autorun?: boolean;
  /** Sends a conversion a postback created or changed on to its traffic channel, where it should go. */
  schedule: (result: Extract<PostbackResult, { kind: 'settled' }>) => Promise<unknown>;
}

/** Outcomes that leave a conversion created or changed. */
const CHANGES = new Set(['recorded', 'updated', 'incremented']);

/**
 * BullMQ wiring only. The jobs a process holds at once go through one batcher, so
 * they share one store commit and jobs of one key never race inside the process. A
 * postback whose click is not stored yet goes back to the delayed set without using
 * an attempt; store or Redis errors are re-thrown so BullMQ's attempts and backoff
 * apply.
 */
export function createPostbackWorker(deps: PostbackWorkerDeps): Worker<PostbackJob> {
  const logger = deps.logger.child({ component: 'postback-worker' });
  const batcher = createBatcher<PostbackInput, PostbackResult>((items) => applyPostbacks(deps, items), deps.concurrency);
  return new Worker<PostbackJob>(
    QueueNames.POSTBACKS,
    async (job, token) => {
      const timer = deps.metrics.jobDuration.startTimer({ queue: QueueNames.POSTBACKS });
      // A replay runs the logged postback again under its own id.
      const id = job.data.replayOf ?? (job.id as string);
      const waits = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
      const result = await batcher.submit({ id, job: job.data, waits });
      if (result.kind === 'click_not_yet_stored') {
        logger.debug('postback waits for its click', { postbackId: id, requestId: job.data.requestId, retryInMs: result.retryInMs });
        await job.moveToDelayed(Date.now() + result.retryInMs, token);
        throw new DelayedError();
      }
      const { entry, applied } = result;
      // Also for a postback applied before (a retried job): the delivery's own id keeps it from going twice.
      if (entry.conversion_id && CHANGES.has(entry.outcome)) await deps.schedule(result);
      timer();
      if (applied) deps.metrics.postbacksProcessed.inc({ outcome: entry.outcome, reason: entry.reason ?? '' });
      // The postback log has every postback; a line each would cost more than applying it.
      const level = entry.outcome === 'rejected' ? 'info' : 'debug';
      if (logger.isLevelEnabled(level)) logger.log(level, 'postback processed', {
        postbackId: id,
        requestId: entry.request_id,
        clickid: entry.clickid,
        outcome: entry.outcome,
        reason: entry.reason,
        conversionId: entry.conversion_id,
        applied,
      });
      return { outcome: entry.outcome, reason: entry.reason };
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency, ...workerOptions(deps.jobLockMs, deps.autorun) },
  );
}
