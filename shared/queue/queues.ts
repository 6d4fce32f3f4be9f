import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { RedisClient } from './redis.js';
import { defaultJobOptions, jobIdFor } from './job-options.js';
import type { JobPayloads } from './jobs.js';
import type { QueueName } from './queue-names.js';

/** A queue whose job payloads are typed by its name. */
export type TypedQueue<N extends QueueName> = Queue<JobPayloads[N], void>;

/** Opens the named queue on a shared connection, with the project's job defaults. */
export function createQueue<N extends QueueName>(name: N, connection: RedisClient, prefix: string): TypedQueue<N> {
  return new Queue<JobPayloads[N], void, string>(name, { connection, prefix, defaultJobOptions });
}

/** Adds one job under our own id; resolves only once Redis has accepted it. */
export async function enqueue<N extends QueueName>(
  queue: TypedQueue<N>,
  id: string,
  data: JobPayloads[N],
  options: JobsOptions = {},
): Promise<void> {
  await addJob(queue, id, data, options);
}

/** `enqueue`, resolving with the job (to promote it, say). */
export async function addJob<N extends QueueName>(
  queue: TypedQueue<N>,
  id: string,
  data: JobPayloads[N],
  options: JobsOptions = {},
): Promise<Job> {
  // BullMQ's name typing does not resolve for a generic N; the payload is checked above.
  const untyped = queue as unknown as Queue<object, void, string, object, void, string>;
  return untyped.add(queue.name, data, { ...options, jobId: jobIdFor(id) });
}

/**
 * Outbound postbacks retry longer than other jobs: the channel may be down for
 * hours. `attempts` tries, the first retry after `backoffMs`, doubling each time.
 */
export function outboundJobOptions(attempts: number, backoffMs: number): JobsOptions {
  return { attempts, backoff: { type: 'exponential', delay: backoffMs } };
}
