import type { FieldProblem } from '../../shared/errors/app-error.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes, type ErrorCode } from '../../shared/errors/error-codes.js';
import { errorBody } from '../../shared/errors/http-error-handler.js';
import { summarize } from '../../shared/errors/joi-problems.js';
import type { RawParams } from '../../shared/domain/entities.js';
import { newId } from '../../shared/domain/ids.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { PostbackJob } from '../../shared/queue/jobs.js';
import { appliedOf } from '../../shared/queue/withdraw-job.js';
import { overloaded, type Backpressure, type ShedReason } from './backpressure.js';
import { queueUnavailable, type Enqueue } from './enqueue.js';
import type { ParsedPostback } from './postback.schema.js';
import { createRedactor } from './redact.js';
import type { TokenDirectory } from './token-directory.js';
import { errorFields } from '../../shared/logging/error-fields.js';

/** Why a postback is refused before its parameters are checked: HTTP status, code and problems. */
export interface Refusal {
  status: number;
  code: ErrorCode;
  problems: FieldProblem[];
}

/** Who sent a postback, as the HTTP layer saw it. */
export interface PostbackRequest {
  requestId: string;
  method: string;
  ip: string | null;
}

export interface AcceptDeps {
  enqueuePostback: Enqueue<PostbackJob>;
  tokens: TokenDirectory;
  backpressure: Backpressure;
  /** Counts a postback refused by backpressure. */
  onShed: (reason: ShedReason) => void;
  logger: Logger;
}

/** Accepts one postback: the answer to send once its job is in Redis. Throws the 403 and 503 as AppErrors. */
export type AcceptPostback = (
  request: PostbackRequest,
  raw: RawParams,
  parsed: ParsedPostback | Refusal,
) => Promise<{ status: number; body: string }>;

/**
 * The receiver's one way to take a postback, whichever HTTP path it came by: a token
 * that belongs to no offer source is refused (403, not queued); beyond the backlog or
 * in-flight bound a postback gets a fast 503 (not queued); everything else, well-formed
 * or not, is queued with its secrets redacted so the worker logs it, and answered only
 * after Redis has the job (503 when it cannot take it).
 */
export function createPostbackAcceptor({ enqueuePostback, tokens, backpressure, onShed, logger }: AcceptDeps): AcceptPostback {
  const redactor = createRedactor(() => tokens.secrets());
  return async (request, raw, parsed) => {
    const params = 'params' in parsed ? parsed.params : null;
    const refusal: Refusal | null =
      'params' in parsed
        ? parsed.problems
          ? { status: 400, code: ErrorCodes.POSTBACK_INVALID, problems: parsed.problems }
          : null
        : parsed;
    const tokenHash = params?.token_hash;
    if (tokenHash && !(await tokens.knows(tokenHash))) {
      logger.warn('postback with an unknown token refused', { requestId: request.requestId, ip: request.ip });
      throw new AppError(ErrorCodes.UNKNOWN_TOKEN, 'token belongs to no offer source', { httpStatus: 403 });
    }
    const shed = backpressure.refuse();
    if (shed) {
      onShed(shed);
      throw overloaded(shed);
    }
    const id = newId();
    const job: PostbackJob = {
      receivedAt: Date.now(),
      requestId: request.requestId,
      method: request.method,
      ip: request.ip,
      raw: redactor.params(raw),
      params,
      invalid: refusal?.problems ?? null,
    };
    try {
      await backpressure.track(enqueuePostback(id, job));
    } catch (err) {
      // Its id too: a job Redis took but no replica confirmed (REDIS_MIN_REPLICAS_ACK) may still be applied under it.
      logger.warn('postback not queued', {
        requestId: request.requestId,
        postbackId: id,
        // 'no' (withdrawn or never queued), 'maybe' (a worker may have taken it), null (the queue could not tell).
        applied: appliedOf(err),
        err: errorFields(err),
      });
      throw queueUnavailable(err);
    }
    if (refusal) {
      const error = new AppError(refusal.code, summarize(refusal.problems), { httpStatus: refusal.status, details: refusal.problems });
      logger.info('postback malformed', {
        requestId: request.requestId,
        postbackId: id,
        status: refusal.status,
        problems: refusal.problems.map((p) => p.field),
      });
      return { status: refusal.status, body: JSON.stringify({ ...errorBody(error), id }) };
    }
    return { status: 200, body: `{"ok":true,"id":"${id}"}` };
  };
}
