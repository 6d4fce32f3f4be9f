import { AppError, type FieldProblem } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';

/** The report API's error answers, built one way: 400 naming each field, 404, 409, 503. */
export function invalid(details: FieldProblem[]): AppError {
  return new AppError(ErrorCodes.VALIDATION, details.map((d) => d.message).join('; '), { httpStatus: 400, details });
}

/** A 404 saying what is missing, e.g. `no offer with id X`. */
export function notFound(message: string): AppError {
  return new AppError(ErrorCodes.NOT_FOUND, message, { httpStatus: 404 });
}

export function conflict(message: string): AppError {
  return new AppError(ErrorCodes.CONFLICT, message, { httpStatus: 409 });
}

/** Redis did not take a job the request had to queue: the caller may retry. */
export function queueUnavailable(what: string, cause: unknown): AppError {
  return new AppError(ErrorCodes.QUEUE_UNAVAILABLE, `the queue cannot accept ${what} right now; retry later`, {
    httpStatus: 503,
    retryable: true,
    cause,
  });
}

/** A time as API answers show it. */
export const iso = (ms: number): string => new Date(ms).toISOString();

export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
