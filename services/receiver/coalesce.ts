import type { PostbackBatchJob, PostbackJob } from '../../shared/queue/jobs.js';
import type { Enqueue } from './enqueue.js';

export interface CoalesceOptions {
  /** Most postbacks in one job. */
  maxBatch: number;
  /** Writes to Redis under way at once; postbacks arriving beyond them wait for the next. */
  maxInFlight: number;
}

/**
 * Micro-batching of jobs (group commit). A job that finds fewer than `maxInFlight`
 * writes under way is written at once, as its own job under its own id, after this turn
 * of the event loop (so requests parsed in the same turn go together): at low load
 * nothing waits. Jobs arriving while every write is under way are gathered and written
 * as one batch job (`toBatch`) when a write returns. A burst thus costs Redis and the
 * worker one job per batch instead of one per request (bench:ingest and bench:e2e
 * measure it), and each request is still answered only once the job holding it is in
 * Redis; if that write fails, every request in it gets the error.
 */
export function coalesce<J, B>(
  addOne: Enqueue<J>,
  addBatch: Enqueue<B>,
  toBatch: (batch: ReadonlyArray<{ id: string; job: J }>) => B,
  { maxBatch, maxInFlight }: CoalesceOptions,
): Enqueue<J> {
  let waiting: Array<{ id: string; job: J; resolve: () => void; reject: (err: unknown) => void }> = [];
  let inFlight = 0;
  let scheduled = false;
  const write = (batch: typeof waiting): void => {
    inFlight++;
    const [first] = batch as [(typeof waiting)[number]];
    // The batch's job id is its first item's id with a suffix: a postback that later waits alone for its click takes its own id.
    const added = batch.length === 1 ? addOne(first.id, first.job) : addBatch(`${first.id}-b${batch.length}`, toBatch(batch));
    added
      .then(
        () => {
          for (const b of batch) b.resolve();
        },
        (err: unknown) => {
          for (const b of batch) b.reject(err);
        },
      )
      .finally(() => {
        inFlight--;
        flush();
      });
  };
  const flush = (): void => {
    scheduled = false;
    while (waiting.length > 0 && inFlight < maxInFlight) {
      write(waiting.slice(0, maxBatch));
      waiting = waiting.slice(maxBatch);
    }
  };
  return (id, job) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ id, job, resolve, reject });
      if (!scheduled && inFlight < maxInFlight) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}

/** Postbacks coalesced into `{postbacks}` batch jobs, each postback carrying its id. */
export function coalescePostbacks(
  addOne: Enqueue<PostbackJob>,
  addBatch: Enqueue<PostbackBatchJob>,
  options: CoalesceOptions,
): Enqueue<PostbackJob> {
  return coalesce(addOne, addBatch, (batch) => ({ postbacks: batch.map((b) => ({ ...b.job, id: b.id })) }), options);
}
