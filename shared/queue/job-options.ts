import type { JobsOptions } from 'bullmq';

const DAY_S = 24 * 3600;

/**
 * Defaults for every job. Transient failures (Redis or the store away) back off
 * exponentially: 12 attempts from 1 s add up to over an hour. Failed jobs are kept
 * by age, not count, so an operator can retry them from the dashboard. Completed jobs
 * are only a view for the dashboard (the store's logs are the record), so at most the
 * last 1,000 per queue are kept: a day of them at thousands a second would fill Redis,
 * and a postbacks job may hold a batch of up to 100 postbacks.
 */
export const defaultJobOptions: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: DAY_S, count: 1_000 },
  removeOnFail: { age: 14 * DAY_S },
};

/** A fetched job's id: BullMQ types it optional, but a job taken from a queue always has one. */
export function idOf(job: { id?: string | undefined }): string {
  if (job.id === undefined) throw new Error('a job taken from a queue has no id');
  return job.id;
}

/** Job ids are our own ids, `-` separated: BullMQ forbids `:` and all-digit ids. */
export function jobIdFor(id: string): string {
  if (id.includes(':') || /^\d+$/.test(id)) throw new RangeError(`unusable job id: ${id}`);
  return id;
}

/**
 * Worker options from the job lock time. A worker that dies mid-job leaves it
 * "stalled"; another worker takes it back after about `jobLockMs`. Several stalls are
 * allowed before the job fails, since a crash says nothing about the job itself, and
 * the store makes a re-run harmless. `autorun: false` leaves the worker idle until
 * `run()`, so a process can bind its port before it takes a job.
 */
export function workerOptions(
  jobLockMs: number,
  autorun = true,
): { lockDuration: number; stalledInterval: number; maxStalledCount: number; autorun: boolean } {
  return { lockDuration: jobLockMs, stalledInterval: jobLockMs, maxStalledCount: 10, autorun };
}
