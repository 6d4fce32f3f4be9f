import { Router, type Request } from 'express';
import Joi from 'joi';
import type { PostbackLogEntry } from '../../shared/domain/entities.js';
import { REJECT_REASONS, type RejectReason } from '../../shared/domain/outcomes.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import type { PostbackJob } from '../../shared/queue/jobs.js';
import type { Store } from '../../shared/store/store.js';
import { validateBody } from './validate.js';

/** Queues one job; resolves once Redis has it. */
export type EnqueueReplay = (jobId: string, data: PostbackJob) => Promise<void>;

const MAX_BULK = 10_000;

export const bulkBody = Joi.object({
  reason: Joi.string()
    .valid(...REJECT_REASONS.filter((r) => r !== 'invalid_params'))
    .required(),
  clickid: Joi.string().max(128),
});

/**
 * Replays rejected postbacks after the settings were fixed (a type added, a token
 * set, a click arrived). The worker runs the logged postback again under its own id,
 * so one that was applied since (or twice replayed) changes nothing.
 */
export function replayRoute(store: Store, enqueue: EnqueueReplay): Router {
  const router = Router();

  const replay = async (entry: PostbackLogEntry, req: Request): Promise<string> => {
    const jobId = `${entry.id}-replay-${Date.now()}`;
    const job: PostbackJob = {
      receivedAt: entry.received_at,
      requestId: req.id,
      method: entry.method,
      ip: entry.ip,
      raw: entry.raw,
      params: entry.params,
      invalid: null,
      replayOf: entry.id,
    };
    try {
      await enqueue(jobId, job);
    } catch (cause) {
      throw new AppError(ErrorCodes.QUEUE_UNAVAILABLE, 'the queue cannot accept the replay right now; retry later', {
        httpStatus: 503,
        retryable: true,
        cause,
      });
    }
    return jobId;
  };

  router.post('/postbacks/replay', async (req, res) => {
    const { reason, clickid } = validateBody<{ reason: RejectReason; clickid?: string }>(bulkBody, req);
    let cursor = null;
    let queued = 0;
    do {
      const page = await store.listPostbacks({ outcome: 'rejected', reason, clickid }, { limit: 500, cursor });
      for (const entry of page.items) {
        await replay(entry, req);
        queued++;
      }
      cursor = page.next;
    } while (cursor && queued < MAX_BULK);
    res.status(202).json({ queued, more: cursor !== null });
  });

  router.post('/postbacks/:id/replay', async (req, res) => {
    const entry = await store.getPostback(req.params.id);
    if (!entry) throw new AppError(ErrorCodes.NOT_FOUND, `no postback ${req.params.id} in the log`, { httpStatus: 404 });
    if (entry.outcome !== 'rejected') {
      throw new AppError(ErrorCodes.CONFLICT, `postback ${entry.id} was applied (${entry.outcome}); replaying it would change nothing`, {
        httpStatus: 409,
      });
    }
    if (!entry.params) {
      throw new AppError(ErrorCodes.CONFLICT, `postback ${entry.id} was malformed (${entry.detail}); a replay would fail the same way`, {
        httpStatus: 409,
      });
    }
    res.status(202).json({ id: entry.id, job_id: await replay(entry, req) });
  });
  return router;
}
