import type { ErrorCode } from './error-codes.js';

/** One problem with one field or parameter of a request. */
export interface FieldProblem {
  field: string;
  message: string;
  /** The values that would have been accepted, where they are a short list. */
  allowed?: readonly string[];
}

export interface AppErrorOptions {
  httpStatus?: number;
  /** True when the same operation may succeed later (Redis or store briefly away). */
  retryable?: boolean;
  details?: FieldProblem[];
  cause?: unknown;
}

/** The one error type the services throw on purpose. */
export class AppError extends Error {
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly details: FieldProblem[];

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.httpStatus = options.httpStatus ?? 500;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? [];
  }
}
