import Joi from 'joi';
import { SUB_KEYS, TRAIT_KEYS } from '../../shared/domain/entities.js';
import { STATUSES } from '../../shared/domain/statuses.js';
import { BOUND_FORMS, parseBound } from './dates.js';
import { isTimeZone } from '../../shared/domain/time-zone.js';

/** Dimensions a report groups by (specification §7); `date` and `hour` are local to `tz`. */
export const REPORT_DIMENSIONS = [
  'date',
  'hour',
  'campaign',
  'offer',
  'offer_source',
  'traffic_channel',
  'type',
  'status',
  ...SUB_KEYS,
  ...TRAIT_KEYS,
] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];
export const FILTER_DIMENSIONS = REPORT_DIMENSIONS.filter((d) => d !== 'date' && d !== 'hour');
export type FilterDimension = Exclude<ReportDimension, 'date' | 'hour'>;

/** The metric columns of a row, in CSV order; each can be sorted on. */
export const METRICS = [
  'clicks',
  'conversions',
  'revenue',
  'gross_revenue',
  'reversed_conversions',
  'reversed_revenue',
  'net_revenue',
  'cost',
  'profit',
  'roi',
  'cr',
  'epc',
  'cpc',
  'cpa',
] as const;

/** `from` / `to` of reports, logs and cost updates: a real date local to `tz`, or an ISO timestamp with a zone. */
export const boundField = Joi.string()
  .max(40)
  .custom((text: string, helpers) => (parseBound(text) ? text : helpers.error('any.invalid')))
  .messages({ 'any.invalid': `{#label} must be ${BOUND_FORMS}` });

/** An IANA time zone, default UTC. */
export const tzField = Joi.string()
  .default('UTC')
  .custom((tz: string, helpers) => (isTimeZone(tz) ? tz : helpers.error('any.invalid')))
  .messages({ 'any.invalid': 'tz must be an IANA time zone, e.g. Europe/Berlin' });

const list = (allowed: readonly string[], label: string) =>
  Joi.string()
    .allow('')
    .custom((text: string, helpers) => {
      const items = text
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
      const bad = items.find((d) => !allowed.includes(d));
      if (bad) return helpers.error('any.only', { value: bad });
      if (new Set(items).size !== items.length) return helpers.error('any.invalid');
      return items;
    })
    .messages({ 'any.only': `${label} has {#value}; allowed: ${allowed.join(', ')}`, 'any.invalid': `${label} names something twice` });

const filterValue = Joi.string().allow('').max(500);

export const reportQuery = Joi.object<ReportQuery>({
  group_by: list(REPORT_DIMENSIONS, 'group_by').default([]),
  from: boundField,
  to: boundField,
  tz: tzField,
  sort: Joi.string()
    .pattern(new RegExp(`^-?(${[...REPORT_DIMENSIONS, ...METRICS].join('|')})$`))
    .messages({ 'string.pattern.base': `sort must be a dimension or metric, - first for descending, e.g. -revenue` }),
  limit: Joi.number().integer().min(1).max(10_000).default(1000),
  format: Joi.string().valid('json', 'csv').default('json'),
  ...Object.fromEntries(FILTER_DIMENSIONS.map((d) => [d, filterValue])),
  status: Joi.string().valid(...STATUSES),
});

export interface ReportQuery {
  group_by: ReportDimension[];
  from?: string;
  to?: string;
  tz: string;
  sort?: string;
  limit: number;
  format: 'json' | 'csv';
  [filter: string]: unknown;
}
