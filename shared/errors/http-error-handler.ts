import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../logging/logger.js';
import { AppError } from './app-error.js';
import { ErrorCodes } from './error-codes.js';
import { errorFields } from '../logging/error-fields.js';

/** The one error body: `{ error: { code, message, details } }`. */
export function errorBody(error: AppError): { error: { code: string; message: string; details: AppError['details'] } } {
  return { error: { code: error.code, message: error.message, details: error.details } };
}

/** What an error answers, logged: a 5xx with its message, code and stack (never to the caller), a 4xx as refused. */
export function errorResponse(
  err: unknown,
  logger: Logger,
  request: { requestId: string; method: string; path: string },
): { status: number; headers: Record<string, string>; body: string } {
  const error = toAppError(err);
  const meta = { ...request, code: error.code };
  if (error.httpStatus >= 500) logger.error('request failed', { ...meta, status: error.httpStatus, err: errorFields(err) });
  else logger.info('request refused', meta);
  return { status: error.httpStatus, headers: error.retryable ? { 'Retry-After': '5' } : {}, body: JSON.stringify(errorBody(error)) };
}

/** The last middleware of every app. Unknown errors become a 500 without internals. */
export function createHttpErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const answer = errorResponse(err, logger, { requestId: req.id, method: req.method, path: req.path });
    // A failure in the middle of a streamed answer (CSV) can only cut it short.
    if (res.headersSent) return void res.destroy();
    res.status(answer.status).set(answer.headers).type('application/json').send(answer.body);
  };
}

const BODY_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'body: not valid JSON',
  'entity.too.large': 'body: larger than this route accepts',
  'charset.unsupported': 'body: the charset must be UTF-8',
  'encoding.unsupported': 'body: the content encoding must be identity, gzip or deflate',
  'entity.verify.failed': 'body: refused',
  'request.size.invalid': 'body: shorter than its Content-Length',
  'parameters.too.many': 'body: too many parameters',
};

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const { status, type } = err as { status?: unknown; type?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // body-parser's errors (malformed JSON, body too large, unknown charset) carry their status and type.
    const bodyMessage = BODY_ERRORS[String(type)];
    const code = status === 415 ? ErrorCodes.UNSUPPORTED_MEDIA_TYPE : ErrorCodes.VALIDATION;
    if (!bodyMessage) return new AppError(code, (err as Error).message, { httpStatus: status });
    return new AppError(code, bodyMessage, { httpStatus: status, details: [{ field: 'body', message: bodyMessage }] });
  }
  const outage = dependencyOutage(err);
  if (outage) return outage;
  return new AppError(ErrorCodes.INTERNAL, 'internal error', { cause: err });
}

const REDIS_DOWN =
  /Connection is closed|ECONNREFUSED|ECONNRESET|Stream isn't writeable|enableOfflineQueue|Command timed out|max retries per request/i;

/**
 * Redis or the store away (restarting, failing over, locked by a long write) is not a
 * bug: the caller gets a 503 with Retry-After, and the log still has the cause.
 */
function dependencyOutage(err: unknown): AppError | null {
  const { name = '', code = '', message = '' } = (err ?? {}) as { name?: string; code?: string; message?: string };
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || /^Mongo(Network|ServerSelection|NotConnected)/.test(name)) {
    return new AppError(ErrorCodes.STORE_UNAVAILABLE, 'the store is busy or unreachable; retry later', {
      httpStatus: 503,
      retryable: true,
      cause: err,
    });
  }
  if (name === 'MaxRetriesPerRequestError' || REDIS_DOWN.test(message)) {
    return new AppError(ErrorCodes.QUEUE_UNAVAILABLE, 'the queue is unreachable; retry later', {
      httpStatus: 503,
      retryable: true,
      cause: err,
    });
  }
  return null;
}
