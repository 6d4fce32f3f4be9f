import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';

/** Puts one job on its queue under `id`; resolves once Redis has accepted it. */
export type Enqueue<T> = (id: string, data: T) => Promise<void>;

/**
 * What the receiver answers when the queue did not take a job: 503 with Retry-After,
 * and, where the queue could tell (REDIS_MIN_REPLICAS_ACK), whether the postback may
 * still be applied (`applied` in the details).
 */
export function queueUnavailable(cause: unknown): AppError {
  return new AppError(ErrorCodes.QUEUE_UNAVAILABLE, 'the queue cannot accept this request right now; retry later', {
    httpStatus: 503,
    retryable: true,
    details: cause instanceof AppError ? cause.details.filter((d) => d.field === 'applied') : [],
    cause,
  });
}
