import Joi from 'joi';
import { DIMENSIONS, type Dimension } from '../../shared/store/store.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A date (`2026-11-24`, a whole UTC day: as `to` it includes that day) or an ISO
 * timestamp (as `to` it is exclusive). Becomes epoch ms.
 */
const bound = (end: 'from' | 'to') =>
  Joi.string()
    .custom((text: string, helpers) => {
      const ms = Date.parse(DAY.test(text) ? `${text}T00:00:00Z` : text);
      if (Number.isNaN(ms)) return helpers.error('any.invalid');
      return end === 'to' && DAY.test(text) ? ms + 86_400_000 : ms;
    })
    .messages({ 'any.invalid': '{#label} must be a date (YYYY-MM-DD) or an ISO 8601 timestamp' });

export const reportQuery = Joi.object({
  group_by: Joi.string()
    .default('')
    .custom((text: string, helpers) => {
      const dims = text.split(',').map((d) => d.trim()).filter(Boolean);
      const bad = dims.find((d) => !(DIMENSIONS as readonly string[]).includes(d));
      if (bad) return helpers.error('any.only', { valids: DIMENSIONS, value: bad });
      if (new Set(dims).size !== dims.length) return helpers.error('any.invalid');
      return dims as Dimension[];
    })
    .messages({
      'any.only': 'group_by has {#value}; allowed: ' + DIMENSIONS.join(', '),
      'any.invalid': 'group_by names a dimension twice',
    }),
  from: bound('from'),
  to: bound('to'),
});

export interface ReportQuery {
  group_by: Dimension[];
  from?: number;
  to?: number;
}
