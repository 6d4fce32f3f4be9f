import Joi from 'joi';
import type { Cursor } from '../../shared/store/store.js';

/** Opaque to clients: base64url of the last item's (time, id). */
export function encodeCursor(cursor: Cursor | null): string | null {
  return cursor ? Buffer.from(JSON.stringify([cursor.t, cursor.id])).toString('base64url') : null;
}

/** A joi field that turns a cursor text back into a Cursor, or fails validation. */
export const cursorField = Joi.string()
  .max(200)
  .custom((text: string, helpers) => {
    try {
      const [t, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
      if (typeof t === 'number' && typeof id === 'string') return { t, id } satisfies Cursor;
    } catch {
      // fall through
    }
    return helpers.error('any.invalid');
  })
  .messages({ 'any.invalid': 'cursor must be a next_cursor value from an earlier page' });

export const limitField = Joi.number().integer().min(1).max(1000).default(100);
