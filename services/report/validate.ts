import type Joi from 'joi';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { joiProblems, summarize } from '../../shared/errors/joi-problems.js';

/** The validated value, or a 400 naming every bad field and what is allowed. */
export function validate<T>(schema: Joi.Schema, value: unknown): T {
  const result = schema.validate(value, { abortEarly: false, stripUnknown: false });
  if (result.error) {
    const details = joiProblems(result.error);
    throw new AppError(ErrorCodes.VALIDATION, summarize(details), { httpStatus: 400, details });
  }
  return result.value as T;
}

export function notFound(noun: string, id: string): AppError {
  return new AppError(ErrorCodes.NOT_FOUND, `no ${noun} with id ${id}`, { httpStatus: 404 });
}
