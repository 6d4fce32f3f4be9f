import type { Queue } from 'bullmq';

/** Polls `condition` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Resolves once `queue` has nothing waiting, running or delayed: every job that was
 * going to run has run. A "nothing was sent" assertion waits for this first, so it
 * observes the moment after which something would have happened.
 */
export async function queueSettled(queue: Queue, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    `queue ${queue.name} to settle`,
    async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      return Object.values(counts).every((n) => n === 0);
    },
    timeoutMs,
  );
}
