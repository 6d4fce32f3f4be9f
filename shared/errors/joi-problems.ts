import type Joi from 'joi';
import type { FieldProblem } from './app-error.js';

/** Turns a joi error into one problem per field, with the allowed values where joi knows them. */
export function joiProblems(error: Joi.ValidationError): FieldProblem[] {
  return error.details.map((detail) => {
    const field = detail.path.join('.') || String(detail.context?.key ?? '');
    const valids = detail.context?.valids as unknown[] | undefined;
    const problem: FieldProblem = { field, message: detail.message.replace(/"/g, '') };
    if (valids) problem.allowed = valids.map(String);
    return problem;
  });
}

/** One line naming every bad field, for the error message. */
export function summarize(problems: FieldProblem[]): string {
  return problems.map((p) => p.message).join('; ');
}
