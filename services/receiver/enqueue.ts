import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';

/** Puts one job on its queue under `id`; resolves once Redis has accepted it. */
export type Enqueue<T> = (id: string, data: T) => Promise<void>;

/** What the receiver answers when the queue did not take a job: 503 with Retry-After. */
export function queueUnavailable(cause: unknown): AppError {
  return new AppError(ErrorCodes.QUEUE_UNAVAILABLE, 'the queue cannot accept this request right now; retry later', {
    httpStatus: 503,
    retryable: true,
    cause,
  });
}
