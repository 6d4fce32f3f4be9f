import Joi from 'joi';
import { SUB_KEYS } from '../../shared/domain/entities.js';
import { currencyField } from '../../shared/validation/fields.js';
import { cursorField, limitField } from './cursor.js';
import { boundField, tzField } from './report.schema.js';
import { moneyField } from './settings.schema.js';

/** A cost update as the API takes it (one of sub1..sub10 may narrow it). */
export interface CostInput {
  campaign_id: string;
  from: string;
  to: string;
  tz: string;
  cost: string;
  currency?: string;
  [sub: string]: string | undefined;
}

export const costBody = Joi.object<CostInput>({
  campaign_id: Joi.string().max(64).required(),
  from: boundField.required(),
  to: boundField.required(),
  tz: tzField,
  cost: moneyField.required(),
  currency: currencyField,
  ...Object.fromEntries(SUB_KEYS.map((key) => [key, Joi.string().max(500)])),
})
  .oxor(...SUB_KEYS)
  .messages({ 'object.oxor': 'give at most one of sub1..sub10 to narrow a cost update' });

/** The CSV form's query: the zone its dates are in. */
export const bulkCostQuery = Joi.object<{ tz: string }>({ tz: tzField });

export const undoBody = Joi.object<{ campaign_id: string }>({ campaign_id: Joi.string().max(64).required() });

export interface CostListQuery {
  campaign_id?: string;
  limit: number;
  cursor?: { t: number; id: string };
}

export const costListQuery = Joi.object<CostListQuery>({ campaign_id: Joi.string().max(64), limit: limitField, cursor: cursorField });
