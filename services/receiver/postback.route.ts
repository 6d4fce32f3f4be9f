import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { RawParams } from '../../shared/domain/entities.js';
import { newId } from '../../shared/domain/ids.js';
import { AppError, type FieldProblem } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { errorBody } from '../../shared/errors/http-error-handler.js';
import { summarize } from '../../shared/errors/joi-problems.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { PostbackJob } from '../../shared/queue/jobs.js';
import { queueUnavailable, type Enqueue } from './enqueue.js';
import { parsePostback, redact, type ParsedPostback } from './postback.schema.js';
import type { TokenDirectory } from './token-directory.js';

export interface PostbackRouteDeps {
  enqueuePostback: Enqueue<PostbackJob>;
  tokens: TokenDirectory;
  logger: Logger;
}

/**
 * `GET|POST /postback` (SPEC §3). Every postback, well-formed or not, is queued so the
 * worker logs it; the answer comes only after Redis has accepted the job.
 */
export function postbackRoute({ enqueuePostback, tokens, logger }: PostbackRouteDeps): Router {
  const router = Router();
  const bodyParsers = [express.urlencoded({ extended: false, limit: '32kb' }), express.json({ limit: '32kb' })];

  async function handle(req: Request, res: Response): Promise<void> {
    const { raw, problems: shapeProblems } = collectParams(req);
    await accept(req, res, raw, shapeProblems.length ? { params: null, problems: shapeProblems } : parsePostback(raw));
  }

  /** A body that is not valid JSON or form data is refused too, and kept as it came. */
  const unreadableBody: ErrorRequestHandler = (err: { type?: string; body?: unknown }, req, res, next) => {
    if (err.type !== 'entity.parse.failed') return next(err);
    const { raw } = collectParams(req);
    const problems = [{ field: 'body', message: 'the body could not be read as JSON or form data' }];
    accept(req, res, { ...raw, body: String(err.body ?? '') }, { params: null, problems }).catch(next);
  };

  async function accept(req: Request, res: Response, raw: RawParams, parsed: ParsedPostback): Promise<void> {
    const tokenHash = parsed.params?.token_hash;
    if (tokenHash && !(await tokens.knows(tokenHash))) {
      logger.warn('postback with an unknown token refused', { requestId: req.id, ip: req.ip });
      throw new AppError(ErrorCodes.UNKNOWN_TOKEN, 'token belongs to no offer source', { httpStatus: 403 });
    }
    const id = newId();
    const job: PostbackJob = {
      receivedAt: Date.now(),
      requestId: req.id,
      method: req.method,
      ip: req.ip ?? null,
      raw: redact(raw),
      params: parsed.params,
      invalid: parsed.problems,
    };
    try {
      await enqueuePostback(id, job);
    } catch (err) {
      logger.warn('postback not queued', { requestId: req.id, err: err instanceof Error ? err.message : String(err) });
      throw queueUnavailable(err);
    }
    if (parsed.problems) {
      const error = new AppError(ErrorCodes.POSTBACK_INVALID, summarize(parsed.problems), { httpStatus: 400, details: parsed.problems });
      logger.info('postback malformed', { requestId: req.id, postbackId: id, problems: parsed.problems.map((p) => p.field) });
      res.status(400).json({ ...errorBody(error), id });
      return;
    }
    res.json({ ok: true, id });
  }

  router.get('/postback', handle);
  router.post('/postback', ...bodyParsers, handle, unreadableBody);
  return router;
}

/** Query string and body together; a key given in both, or a nested value, is a problem. */
function collectParams(req: Request): { raw: RawParams; problems: FieldProblem[] } {
  const raw: RawParams = {};
  const problems: FieldProblem[] = [];
  const add = (key: string, value: unknown): void => {
    const flat = flatten(value);
    if (flat === null) {
      raw[key] = JSON.stringify(value);
      problems.push({ field: key, message: `${key} must be a single text or number value` });
      return;
    }
    const before = raw[key];
    raw[key] = before === undefined ? flat : ([] as string[]).concat(before, flat);
  };
  for (const [key, value] of Object.entries(req.query)) add(key, value);
  if (req.method === 'POST' && req.body && typeof req.body === 'object' && !Array.isArray(req.body)) {
    for (const [key, value] of Object.entries(req.body as Record<string, unknown>)) add(key, value);
  }
  return { raw, problems };
}

function flatten(value: unknown): string | string[] | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return null;
}
