import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { createRedis } from '../../shared/queue/redis.js';

/**
 * Leaves the next waiting job of `queue` as a worker that died with it leaves it, more
 * often than BullMQ allows: a real worker takes it (its lock is not renewed, as by a
 * dead process), the lock runs out, and BullMQ's own stalled check with
 * `maxStalledCount: 0` marks the job to fail when it is next taken ("job stalled more
 * than allowable limit"). Resolves with the job's id.
 */
export async function stallOut(redisUrl: string, prefix: string, queue: string): Promise<string> {
  const connection = createRedis({ url: redisUrl, cluster: null }, 'worker');
  const lockMs = 200;
  const dead = new Worker(queue, null, { connection, prefix, lockDuration: lockMs });
  const job = await dead.getNextJob(randomUUID());
  await dead.close();
  if (!job.id) throw new Error(`no job waiting in ${queue}`);
  const checker = new Worker(queue, null, { connection, prefix, maxStalledCount: 0, stalledInterval: 50, autorun: false });
  const jobs = new Queue(queue, { connection, prefix });
  // The check a running worker makes every stalledInterval; private in BullMQ's typings, called here to run it now.
  const check = (checker as unknown as { moveStalledJobsToWait(): Promise<void> }).moveStalledJobsToWait.bind(checker);
  try {
    // The first look marks the active job as possibly stalled; a look after its lock ran out moves it.
    for (const until = Date.now() + 5_000; ;) {
      await new Promise((resolve) => setTimeout(resolve, lockMs));
      await check();
      if ((await jobs.getJobState(job.id)) === 'waiting') break;
      if (Date.now() > until) throw new Error(`job ${job.id} did not stall out`);
    }
  } finally {
    await checker.close();
    await jobs.close();
    connection.disconnect();
  }
  return job.id;
}
