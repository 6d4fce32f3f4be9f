import Joi from 'joi';
import { DUPLICATE_STATUSES } from '../../shared/domain/duplicate-modes.js';
import { OUTCOMES, REJECT_REASONS } from '../../shared/domain/outcomes.js';
import { STATUSES } from '../../shared/domain/statuses.js';
import type { Cursor } from '../../shared/store/store.js';
import { cursorField, limitField } from './cursor.js';
import { boundField, tzField } from './report.schema.js';

/** What both logs filter and page by. */
const common = {
  clickid: Joi.string().max(128),
  type: Joi.string().allow('').max(64),
  campaign: Joi.string().max(64),
  offer_source: Joi.string().max(64),
  from: boundField,
  to: boundField,
  tz: tzField,
  cursor: cursorField,
  limit: limitField,
  format: Joi.string().valid('json', 'csv').default('json'),
  /** true: only test postbacks or conversions; false: only real ones; absent: both. */
  test: Joi.boolean(),
};
export const conversionQuery = Joi.object<LogQuery>({
  ...common,
  status: Joi.string().valid(...STATUSES),
  duplicate_status: Joi.string().valid(...DUPLICATE_STATUSES),
});
export const postbackQuery = Joi.object<LogQuery>({
  ...common,
  outcome: Joi.string().valid(...OUTCOMES),
  reason: Joi.string().valid(...REJECT_REASONS),
});

/** A log query as validated: filters, range, page, format. */
export interface LogQuery {
  clickid?: string;
  type?: string;
  campaign?: string;
  offer_source?: string;
  from?: string;
  to?: string;
  tz: string;
  cursor?: Cursor;
  limit: number;
  format: 'json' | 'csv';
  [more: string]: unknown;
}
