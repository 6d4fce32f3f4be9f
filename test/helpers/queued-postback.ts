import type { Queue } from 'bullmq';
import { isPostbackBatch, type PostbackJob, type PostbacksQueueJob } from '../../shared/queue/jobs.js';

/**
 * What the receiver queued for postback `id`: its own job, or its place in a batch job
 * (postbacks that arrived together). Throws when it is not in the queue.
 */
export async function queuedPostback(queue: Queue<PostbacksQueueJob>, id: string): Promise<PostbackJob> {
  const own = await queue.getJob(id);
  if (own && !isPostbackBatch(own.data)) return own.data;
  const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'], 0, -1);
  for (const job of jobs) {
    if (!isPostbackBatch(job.data)) continue;
    const found = job.data.postbacks.find((p) => p.id === id);
    if (found) {
      const { id: _id, ...data } = found;
      return data;
    }
  }
  throw new Error(`postback ${id} is not in the queue`);
}
