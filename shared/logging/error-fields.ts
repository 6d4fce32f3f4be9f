/** What a log line says of an error: winston's JSON format drops an Error nested in metadata (`"err":{}`). */
export interface ErrorFields {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: ErrorFields;
}

/** An error (or anything thrown) as plain fields: name, message, code, stack and its cause, two levels deep. */
export function errorFields(err: unknown, depth = 0): ErrorFields {
  if (!(err instanceof Error)) return { name: typeof err, message: String(err) };
  const fields: ErrorFields = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') fields.code = String(code);
  if (err.stack) fields.stack = err.stack;
  if (err.cause !== undefined && depth < 2) fields.cause = errorFields(err.cause, depth + 1);
  return fields;
}
