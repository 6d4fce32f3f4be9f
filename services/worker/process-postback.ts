import { applyPostbacks, type ApplyDeps, type PostbackResult } from './apply-postbacks.js';
import type { PostbackJob } from '../../shared/queue/jobs.js';

export type { PostbackResult };

/**
 * One postback through the batch use case (a batch of one): resolve, authorise,
 * price, then apply to its duplicate key's ledger. Applying the same postback id again
 * (a retried job, a dashboard retry) changes nothing; a replay re-runs only a postback
 * that was rejected. `waits` is how many times it already waited for its click.
 */
export async function processPostback(deps: ApplyDeps, id: string, job: PostbackJob, waits = 0): Promise<PostbackResult> {
  const [result] = await applyPostbacks(deps, [{ id, job, waits }]);
  return result as PostbackResult;
}
