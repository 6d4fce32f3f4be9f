import Joi from 'joi';
import { DUPLICATE_MODES } from '../../shared/domain/duplicate-modes.js';
import { MONEY_PATTERN } from '../../shared/domain/money.js';
import { INTEGRATIONS, PLATFORM_CLICK_IDS, SUB_KEYS } from '../../shared/domain/entities.js';
import { STATUSES } from '../../shared/domain/statuses.js';
import { currencyField } from '../../shared/validation/fields.js';
import { platformFields } from './platform.schema.js';

const name = Joi.string().trim().min(1).max(200);
const id = Joi.string().max(64);
/** An http(s) URL that may hold `{macro}` placeholders. */
const httpUrl = Joi.string()
  .max(2000)
  .custom((text: string, helpers) => {
    try {
      const url = new URL(text.replace(/\{[a-z0-9_]+\}/g, 'x'));
      if (url.protocol === 'http:' || url.protocol === 'https:') return text;
    } catch {
      // fall through
    }
    return helpers.error('any.invalid');
  })
  .messages({ 'any.invalid': '{#label} must be an http or https URL (macros like {clickid} are allowed)' });

const MONEY_RULE = '{#label} must be a decimal number ≥ 0 and below 1,000,000,000, with up to 6 decimals, e.g. 12.5';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]+$/;

/** A decimal amount given as a JSON number or a string, ≥ 0, up to 6 decimals; kept as text. */
export const moneyField = Joi.alternatives()
  .try(Joi.number().min(0).unsafe(), Joi.string())
  .custom((value: number | string, helpers) => {
    const text = String(value);
    return MONEY_PATTERN.test(text) ? text : helpers.error('any.invalid');
  })
  .messages({ 'any.invalid': MONEY_RULE, 'alternatives.types': MONEY_RULE });

/** The fields of each settings entity; `required` marks what a create must carry. */
const offerSource = {
  name: name.required(),
  currency: currencyField.allow(null),
  default_status: Joi.string().valid(...STATUSES),
  duplicate_mode: Joi.string().valid(...DUPLICATE_MODES),
  postback_token: Joi.string().min(8).max(256).allow(null),
  ip_allowlist: Joi.array()
    .items(Joi.string().ip({ cidr: 'optional' }))
    .max(100),
  test_mode: Joi.boolean(),
};
const offer = {
  name: name.required(),
  url: httpUrl.required(),
  offer_source_id: id.required(),
  payout: moneyField,
};
const trafficChannel = {
  name: name.required(),
  postback_url: httpUrl.allow(null),
  integration: Joi.string().valid(...INTEGRATIONS),
  send_statuses: Joi.array()
    .items(Joi.string().valid(...STATUSES))
    .unique(),
  send_types: Joi.array().items(Joi.string().min(1).max(64)).unique().allow(null),
  send_main: Joi.boolean(),
  trusted: Joi.boolean(),
  currency: currencyField.allow(null),
  facebook: Joi.object({
    pixel_id: Joi.string()
      .pattern(/^\d{1,32}$/)
      .required()
      .messages({ 'string.pattern.base': 'facebook.pixel_id must be the numeric pixel (dataset) id' }),
    access_token: Joi.string().min(10).max(1000).required(),
    main_event_name: Joi.string().min(1).max(100).default('Purchase'),
    test_event_code: Joi.string().max(100).allow(null).default(null),
  }).allow(null),
  reversal_url: httpUrl.allow(null),
  ...platformFields,
};
/** Parameters the click URL already means something by, and names no parameter should have: a cost parameter is none of them. */
const CLICK_PARAMETERS = [...SUB_KEYS, 'external_id', ...PLATFORM_CLICK_IDS, '__proto__', 'constructor', 'prototype'];
const campaign = {
  name: name.required(),
  traffic_channel_id: id.required(),
  offer_id: id.required(),
  cost_param: Joi.string()
    .pattern(/^[A-Za-z0-9_.-]{1,64}$/)
    .invalid(...CLICK_PARAMETERS)
    .allow(null)
    .messages({
      'string.pattern.base': 'cost_param must be a URL parameter name: 1-64 of A-Z a-z 0-9 _ . -',
      'any.invalid': `cost_param cannot be ${CLICK_PARAMETERS.join(', ')}: the click URL already uses them, or they name no parameter`,
    }),
  cost_currency: currencyField.allow(null),
};

/** Creates require what `required` says; PATCH takes any subset, at least one field. */
function pair(fields: Record<string, Joi.Schema>) {
  const create = Joi.object(fields);
  const patch = Joi.object(Object.fromEntries(Object.entries(fields).map(([k, s]) => [k, s.optional()]))).min(1);
  return { create, patch };
}

export const settingsSchemas = {
  offerSource: pair(offerSource),
  offer: pair(offer),
  trafficChannel: pair(trafficChannel),
  campaign: pair(campaign),
  conversionType: Joi.object({
    duplicate_mode: Joi.string()
      .valid(...DUPLICATE_MODES)
      .allow(null),
    journey: Joi.boolean(),
    send_to_channel: Joi.boolean(),
    counts_in_conversions: Joi.boolean(),
    counts_in_revenue: Joi.boolean(),
  }),
  // No control characters (U+0000–U+001F, U+007F): a type name shows in logs, CSV and URLs.
  conversionTypeName: Joi.string().min(1).max(64).pattern(NO_CONTROL_CHARACTERS),
};
