import { DelayedError, Worker } from 'bullmq';
import type { RedisClient } from '../../shared/queue/redis.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import { isPostbackBatch, type PostbackJob, type PostbacksQueueJob, type QueuedPostback } from '../../shared/queue/jobs.js';
import { idOf, workerOptions } from '../../shared/queue/job-options.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { applyPostbacks, type ApplyDeps, type PostbackResult } from './apply-postbacks.js';
import type { PostbackInput } from './prepare-postback.js';
import { createBatcher } from './batcher.js';

export interface PostbackWorkerDeps extends ApplyDeps {
  connection: RedisClient;
  prefix: string;
  concurrency: number;
  jobLockMs: number;
  logger: Logger;
  metrics: Metrics;
  autorun?: boolean;
  /** Sends a conversion a postback created or changed on to its traffic channel, where it should go. */
  schedule: (result: Extract<PostbackResult, { kind: 'settled' }>) => Promise<unknown>;
  /** Queues one postback of a batch job on its own, under its own id, to run after `delayMs`. */
  requeue: (id: string, job: PostbackJob, delayMs: number) => Promise<void>;
}

/** Outcomes that leave a conversion created or changed. */
const CHANGES = new Set(['recorded', 'updated', 'incremented', 'reversed']);

/** Most postbacks in one store commit: the jobs a process holds, batch jobs included. */
const MAX_COMMIT = 1000;

/**
 * BullMQ wiring only. The postbacks of every job a process holds go through one
 * batcher, so they share one store commit and postbacks of one key never race inside
 * the process. A postback whose click is not stored yet waits without using an
 * attempt: a single job goes back to the delayed set, a batch's postback is queued
 * alone with a delay and the rest of the batch completes. Store or Redis errors are
 * re-thrown so BullMQ's attempts and backoff apply (to the whole batch: the store
 * applies no postback twice).
 */
export function createPostbackWorker(deps: PostbackWorkerDeps): Worker<PostbacksQueueJob> {
  const logger = deps.logger.child({ component: 'postback-worker' });
  const batcher = createBatcher<PostbackInput, PostbackResult>((items) => applyPostbacks(deps, items), MAX_COMMIT);

  const settle = async (id: string, result: Extract<PostbackResult, { kind: 'settled' }>): Promise<void> => {
    const { entry, applied } = result;
    // Also for a postback applied before (a retried job): the delivery's own id keeps it from going twice.
    if (entry.conversion_id && CHANGES.has(entry.outcome)) await deps.schedule(result);
    if (applied) deps.metrics.postbacksProcessed.inc({ outcome: entry.outcome, reason: entry.reason ?? '' });
    // The postback log has every postback; a line each would cost more than applying it.
    const level = entry.outcome === 'rejected' ? 'info' : 'debug';
    if (logger.isLevelEnabled(level))
      logger.log(level, 'postback processed', {
        postbackId: id,
        requestId: entry.request_id,
        clickid: entry.clickid,
        outcome: entry.outcome,
        reason: entry.reason,
        conversionId: entry.conversion_id,
        applied,
      });
  };

  /** A batch job's result, for the dashboard: how many postbacks had each outcome, and which left to wait for their click. */
  const batch = async (postbacks: QueuedPostback[]): Promise<{ outcomes: Record<string, number>; waiting: string[] }> => {
    const inputs: PostbackInput[] = postbacks.map(({ id, waits, ...job }) => ({ id, job, waits: waits ?? 0 }));
    const results = await Promise.all(inputs.map((input) => batcher.submit(input)));
    const outcomes: Record<string, number> = {};
    const waiting: string[] = [];
    await Promise.all(
      results.map((result, i) => {
        const { id, job, waits } = inputs[i] as PostbackInput;
        if (result.kind === 'settled') {
          outcomes[result.entry.outcome] = (outcomes[result.entry.outcome] ?? 0) + 1;
          return settle(id, result);
        }
        waiting.push(id);
        logger.debug('postback waits for its click', { postbackId: id, requestId: job.requestId, retryInMs: result.retryInMs });
        return deps.requeue(id, { ...job, waits: waits + 1 }, result.retryInMs);
      }),
    );
    return { outcomes, waiting };
  };

  return new Worker<PostbacksQueueJob>(
    QueueNames.POSTBACKS,
    async (job, token) => {
      const timer = deps.metrics.jobDuration.startTimer({ queue: QueueNames.POSTBACKS });
      if (isPostbackBatch(job.data)) {
        const summary = await batch(job.data.postbacks);
        timer();
        return summary;
      }
      // A replay runs the logged postback again under its own id.
      const id = job.data.replayOf ?? idOf(job);
      const waits = (job.data.waits ?? 0) + Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
      const result = await batcher.submit({ id, job: job.data, waits });
      if (result.kind === 'click_not_yet_stored') {
        logger.debug('postback waits for its click', { postbackId: id, requestId: job.data.requestId, retryInMs: result.retryInMs });
        await job.moveToDelayed(Date.now() + result.retryInMs, token);
        throw new DelayedError();
      }
      await settle(id, result);
      timer();
      return { outcome: result.entry.outcome, reason: result.entry.reason };
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency, ...workerOptions(deps.jobLockMs, deps.autorun) },
  );
}
