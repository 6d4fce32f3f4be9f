import type { Request, RequestHandler } from 'express';
import type Joi from 'joi';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { joiProblems, summarize } from '../../shared/errors/joi-problems.js';
import { isPlainObject, jsonShapeProblem } from '../../shared/validation/safe-object.js';

/** The validated value, or a 400 naming every bad field and what is allowed. */
export function validate<T>(schema: Joi.Schema<T>, value: unknown): T {
  const result = schema.validate(value, { abortEarly: false, stripUnknown: false });
  if (result.error) {
    const details = joiProblems(result.error);
    throw new AppError(ErrorCodes.VALIDATION, summarize(details), { httpStatus: 400, details });
  }
  return result.value;
}

/**
 * A request's JSON body, validated: present, a JSON object, and as `schema` says.
 * A body of another type is a 415; none at all (or `[]`, `"x"`) a 400 naming `body`.
 */
export function validateBody<T>(schema: Joi.Schema<T>, req: Request): T {
  const body: unknown = req.body;
  if (body === undefined && req.headers['content-type'] !== undefined && !req.is('application/json')) {
    throw new AppError(
      ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
      `body: send JSON with Content-Type: application/json (got ${req.headers['content-type'].slice(0, 100)})`,
      {
        httpStatus: 415,
        details: [{ field: 'content-type', message: 'the body must be JSON', allowed: ['application/json'] }],
      },
    );
  }
  if (!isPlainObject(body)) {
    const message = body === undefined ? 'body: a JSON object is required (Content-Type: application/json)' : 'body: must be a JSON object';
    throw new AppError(ErrorCodes.VALIDATION, message, { httpStatus: 400, details: [{ field: 'body', message }] });
  }
  return validate<T>(schema, body);
}

/**
 * Refuses a JSON body nested deeper than any real one, or carrying `__proto__`,
 * `constructor` or `prototype` keys (specification §10), before any route reads it.
 */
export function refuseUnsafeJson(): RequestHandler {
  return (req, _res, next) => {
    const problem = req.body === undefined ? null : jsonShapeProblem(req.body);
    if (!problem) {
      next();
      return;
    }
    next(new AppError(ErrorCodes.VALIDATION, problem.message, { httpStatus: 400, details: [problem] }));
  };
}
