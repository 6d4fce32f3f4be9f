import type Joi from 'joi';
import type { FieldProblem } from './app-error.js';

/** Turns a joi error into one problem per field, with the allowed values where joi knows them. */
export function joiProblems(error: Joi.ValidationError): FieldProblem[] {
  return error.details.map((detail) => {
    const present = detail.context?.present as string[] | undefined;
    if (detail.type === 'object.oxor' && present) {
      return { field: present.join(','), message: `${present.join(' and ')} mean the same; give only one of them` };
    }
    const field = detail.path.join('.') || (detail.context?.key ?? '');
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
