import type { Job } from 'bullmq';
import type { Store } from '../../shared/store/store.js';
import { isPostbackBatch, type PostbacksQueueJob } from '../../shared/queue/jobs.js';
import { idOf } from '../../shared/queue/job-options.js';
import { bareLog } from './prepare-postback.js';

/** BullMQ's reason for a job that stalled (its worker died with it) more often than `maxStalledCount` allows. */
export const STALLED_OUT = 'job stalled more than allowable limit';

/** Whether BullMQ failed this job for stalling, not for what its handler threw. */
export const stalledOut = (reason: string | undefined): boolean => reason === STALLED_OUT;

/**
 * An acknowledged postback ends applied or logged, never only as a failed job: when
 * BullMQ fails a postbacks job for stalling, each of its postbacks that the log does
 * not hold yet is logged rejected `worker_crashed`, with its parameters, so it shows in
 * the postback log and can be replayed (one, or all of the reason) once the cause is
 * found. Postbacks the log already holds (applied before the last crash, or a replay
 * of a logged one) are left as they are. Resolves with the ids it logged.
 */
export async function logStalledPostbacks(store: Store, job: Job<PostbacksQueueJob>, now = Date.now()): Promise<string[]> {
  const postbacks = isPostbackBatch(job.data)
    ? job.data.postbacks.map(({ id, ...queued }) => ({ id, job: queued }))
    : [{ id: job.data.replayOf ?? idOf(job), job: job.data }];
  const logged = await store.getPostbacks(postbacks.map((p) => p.id));
  const detail = `its job was in a worker that died ${String(job.stalledCounter)} times, more than allowed; replay it once the cause is found`;
  const missing = postbacks.filter((p) => !logged.has(p.id));
  for (const p of missing)
    await store.logRejected({
      ...bareLog({ id: p.id, job: p.job, now }),
      outcome: 'rejected',
      reason: 'worker_crashed',
      detail,
      conversion_id: null,
    });
  return missing.map((p) => p.id);
}
