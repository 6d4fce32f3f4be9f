import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../logging/logger.js';
import { AppError } from './app-error.js';
import { ErrorCodes } from './error-codes.js';

/** The one error body: `{ error: { code, message, details } }`. */
export function errorBody(error: AppError): { error: { code: string; message: string; details: AppError['details'] } } {
  return { error: { code: error.code, message: error.message, details: error.details } };
}

/** The last middleware of every app. Unknown errors become a 500 without internals. */
export function createHttpErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const error = toAppError(err);
    const meta = { requestId: req.id, method: req.method, path: req.path, code: error.code };
    if (error.httpStatus >= 500) logger.error('request failed', { ...meta, err: err instanceof Error ? err : String(err) });
    else logger.info('request refused', meta);
    if (error.retryable) res.set('Retry-After', '5');
    res.status(error.httpStatus).json(errorBody(error));
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // body-parser's errors (malformed JSON, body too large) carry their status.
    return new AppError(ErrorCodes.VALIDATION, (err as Error).message, { httpStatus: status });
  }
  return new AppError(ErrorCodes.INTERNAL, 'internal error', { cause: err });
}
