import type { ServerResponse } from 'node:http';
import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { RawParams } from '../../shared/domain/entities.js';
import type { FieldProblem } from '../../shared/errors/app-error.js';
import { ErrorCodes, type ErrorCode } from '../../shared/errors/error-codes.js';
import { bareMap, boundedJson, isPlainObject, jsonShapeProblem } from '../../shared/validation/safe-object.js';
import type { AcceptPostback, Refusal } from './accept-postback.js';
import { parsePostback, type ParsedPostback } from './postback.schema.js';

export interface PostbackRouteDeps {
  acceptPostback: AcceptPostback;
}

/** A JSON answer written directly: res.json's generic work is measurable at thousands a second. */
export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
}

/** The body types a postback may come in (specification §10); anything else with a body is a 415. */
export const POSTBACK_BODY_TYPES = ['application/x-www-form-urlencoded', 'application/json'] as const;
const BODY_LIMIT = '32kb';

/**
 * `GET|POST /postback` (specification §3, §10). Every postback, well-formed or not, is queued
 * so the worker logs it; the answer comes only after Redis has accepted the job.
 * A POST body is read only as form data or a JSON object; any other body is refused
 * (415) rather than ignored, since a network that sent `status=declined` in it must
 * not get an approved conversion from the query string alone. `HEAD` answers 200
 * and queues nothing.
 */
export function postbackRoute({ acceptPostback }: PostbackRouteDeps): Router {
  const router = Router();
  // body-parser skips a body an earlier parser took, so the raw reader only sees the rest.
  const bodyParsers: RequestHandler[] = [
    express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 200 }),
    express.json({ limit: BODY_LIMIT, strict: false }),
    express.raw({ type: () => true, limit: BODY_LIMIT }),
  ];

  async function handle(req: Request, res: Response): Promise<void> {
    const query = collect(req.query);
    const body: unknown = req.method === 'POST' ? req.body : undefined;
    if (Buffer.isBuffer(body)) {
      if (body.length > 0) {
        const raw = { ...query.raw, body: body.toString('utf8') };
        return accept(req, res, raw, unsupportedType(req));
      }
    } else if (body !== undefined && req.is('application/json')) {
      const shape = isPlainObject(body)
        ? jsonShapeProblem(body, { forbidKeys: false })
        : { field: 'body', message: 'a JSON body must be an object of parameters, e.g. {"clickid": "…", "sum": 5}' };
      if (shape)
        return accept(
          req,
          res,
          { ...query.raw, body: boundedJson(body) },
          { status: 400, code: ErrorCodes.POSTBACK_INVALID, problems: [shape] },
        );
    }
    const all = isPlainObject(body) ? collect(body, query) : query;
    await accept(req, res, all.raw, checked(all));
  }

  /** A body that could not be read (bad JSON, too large, an unknown charset) is refused too, and kept as far as it came. */
  const unreadableBody: ErrorRequestHandler = (
    err: { type?: string; status?: number; message?: string; body?: unknown },
    req,
    res,
    next,
  ) => {
    const refusal = readFailure(err);
    if (!refusal) {
      next(err);
      return;
    }
    const { raw } = collect(req.query);
    const text = typeof err.body === 'string' ? err.body.slice(0, 32 * 1024) : `[${refusal.problems[0]?.message ?? 'unreadable'}]`;
    accept(req, res, { ...raw, body: text }, refusal).catch(next);
  };

  async function accept(req: Request, res: Response, raw: RawParams, parsed: ParsedPostback | Refusal): Promise<void> {
    const answer = await acceptPostback({ requestId: req.id, method: req.method, ip: req.ip ?? null }, raw, parsed);
    sendJson(res, answer.status, answer.body);
  }

  router.head('/postback', (_req, res) => {
    res.status(200).end();
  });
  router.get('/postback', handle);
  router.post('/postback', ...bodyParsers, handle, unreadableBody);
  return router;
}

function unsupportedType(req: Request): Refusal {
  const given = req.headers['content-type'] ?? 'none';
  return {
    status: 415,
    code: ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
    problems: [
      {
        field: 'content-type',
        message: `a postback body must be form data or a JSON object (got content type ${given.slice(0, 100)}); or send the parameters in the query string`,
        allowed: [...POSTBACK_BODY_TYPES],
      },
    ],
  };
}

/** body-parser's failures, as the postback's answer. */
function readFailure(err: { type?: string; status?: number; message?: string }): Refusal | null {
  const invalid = (status: number, code: ErrorCode, message: string): Refusal => ({ status, code, problems: [{ field: 'body', message }] });
  switch (err.type) {
    case 'entity.parse.failed':
      return invalid(400, ErrorCodes.POSTBACK_INVALID, 'the body could not be read as JSON or form data');
    case 'entity.too.large':
      return invalid(413, ErrorCodes.POSTBACK_INVALID, `the body is larger than ${BODY_LIMIT}`);
    case 'parameters.too.many':
      return invalid(413, ErrorCodes.POSTBACK_INVALID, 'the body has more than 200 parameters');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return invalid(415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE, 'the body must be UTF-8, uncompressed or gzip/deflate');
    default:
      // Any other failure to read the body (a broken gzip stream, say) is the sender's too.
      return typeof err.status === 'number' && err.status >= 400 && err.status < 500
        ? invalid(
            err.status === 415 ? 415 : 400,
            err.status === 415 ? ErrorCodes.UNSUPPORTED_MEDIA_TYPE : ErrorCodes.POSTBACK_INVALID,
            `the body could not be read (${(err.message ?? 'unreadable').slice(0, 100)})`,
          )
        : null;
  }
}

/**
 * Parameters into a map without inherited members (so `toString` or `__proto__` are
 * parameters like any other); a key given twice (query and body, or repeated) keeps
 * every value, and a nested value is a problem.
 */
/** Collected parameters checked: their shape problems, else the schema's verdict. */
export function checked({ raw, problems }: { raw: RawParams; problems: FieldProblem[] }): ParsedPostback | Refusal {
  return problems.length ? { status: 400, code: ErrorCodes.POSTBACK_INVALID, problems } : parsePostback(raw);
}

export function collect(
  source: Record<string, unknown>,
  into?: { raw: RawParams; problems: FieldProblem[] },
): { raw: RawParams; problems: FieldProblem[] } {
  const raw = bareMap<string | string[]>();
  const problems: FieldProblem[] = into ? [...into.problems] : [];
  if (into) for (const [key, value] of Object.entries(into.raw)) raw[key] = value;
  for (const [key, value] of Object.entries(source)) {
    const flat = flatten(value);
    if (flat === null) {
      raw[key] = boundedJson(value);
      problems.push({ field: key, message: `${key} must be a single text or number value` });
      continue;
    }
    const before = Object.hasOwn(raw, key) ? raw[key] : undefined;
    raw[key] = before === undefined ? flat : ([] as string[]).concat(before, flat);
  }
  return { raw, problems };
}

function flatten(value: unknown): string | string[] | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  return null;
}
