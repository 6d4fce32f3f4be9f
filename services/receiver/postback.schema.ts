import Joi from 'joi';
import { REVERSAL_REASONS, SUB_KEYS, type RawParams, type ReversalReason, type Subs } from '../../shared/domain/entities.js';
import { CLICKID_PATTERN } from '../../shared/domain/ids.js';
import { MONEY_PATTERN } from '../../shared/domain/money.js';
import { STATUSES, type Status } from '../../shared/domain/statuses.js';
import { hashToken } from '../../shared/domain/token.js';
import type { FieldProblem } from '../../shared/errors/app-error.js';
import { joiProblems } from '../../shared/errors/joi-problems.js';
import { parseCurrencyCode } from '../../shared/domain/fx.js';
import { currencyField } from '../../shared/validation/fields.js';
import { bareMap } from '../../shared/validation/safe-object.js';
import type { PostbackParams } from '../../shared/domain/entities.js';

const money = Joi.string().pattern(MONEY_PATTERN).messages({
  'string.pattern.base': '{#label} must be a decimal number ≥ 0 and below 1,000,000,000, with up to 6 decimals, e.g. 12.5',
});
const eventId = Joi.string().max(256);
/** `test=1` marks a test postback (specification §11); 0 or false says it is not one. */
const TEST_VALUES: readonly string[] = ['1', '0', 'true', 'false'];

/** Syntax only (specification §3): no store access here. Unknown parameters are kept, not refused. */
export const postbackSchema = Joi.object({
  clickid: Joi.string().pattern(CLICKID_PATTERN).required().messages({
    'string.pattern.base': 'clickid must be 1–128 characters of A-Z a-z 0-9 . _ -',
  }),
  sum: money,
  payout: money,
  status: Joi.string().valid(...STATUSES),
  type: Joi.string().max(64),
  rdtk_event_id: eventId,
  event_id: eventId,
  txid: eventId,
  currency: currencyField,
  token: Joi.string().max(256),
  test: Joi.string().valid(...TEST_VALUES),
  reversal: Joi.string().valid(...REVERSAL_REASONS),
  ...Object.fromEntries(SUB_KEYS.map((key) => [key, Joi.string().max(500)])),
})
  .oxor('sum', 'payout')
  .oxor('rdtk_event_id', 'event_id', 'txid')
  .unknown(true)
  .prefs({ abortEarly: false, convert: false });

const STATUS_SET: ReadonlySet<string> = new Set(STATUSES);
const REVERSAL_SET: ReadonlySet<string> = new Set(REVERSAL_REASONS);
const within = (value: string | undefined, max: number): boolean => value === undefined || value.length <= max;

/**
 * A quick pass for the postback every network sends: true only when the schema above
 * would accept it too (each check is the schema's own rule, or stricter). On the hot
 * path it spares joi's generic machinery, a tenth of the receiver's time; anything it
 * is unsure of goes to the schema, which also words the errors.
 */
function plainlyValid(given: Record<string, string>): boolean {
  if (given.clickid === undefined || !CLICKID_PATTERN.test(given.clickid)) return false;
  if (given.sum !== undefined && given.payout !== undefined) return false;
  const money = given.sum ?? given.payout;
  if (money !== undefined && !MONEY_PATTERN.test(money)) return false;
  if (given.status !== undefined && !STATUS_SET.has(given.status)) return false;
  if ([given.rdtk_event_id, given.event_id, given.txid].filter((v) => v !== undefined).length > 1) return false;
  if (!within(given.rdtk_event_id ?? given.event_id ?? given.txid, 256) || !within(given.type, 64) || !within(given.token, 256))
    return false;
  if (given.currency !== undefined && parseCurrencyCode(given.currency) === null) return false;
  if (given.test !== undefined && !TEST_VALUES.includes(given.test)) return false;
  if (given.reversal !== undefined && !REVERSAL_SET.has(given.reversal)) return false;
  return SUB_KEYS.every((key) => within(given[key], 500));
}

export type ParsedPostback = { params: PostbackParams; problems: null } | { params: null; problems: FieldProblem[] };

/**
 * Checks a postback's parameters. Empty values count as absent (networks send
 * `sum=` for "no value"); a repeated key is refused, since we cannot tell which value
 * the network meant.
 */
export function parsePostback(raw: RawParams): ParsedPostback {
  const repeated = Object.keys(raw).filter((key) => Array.isArray(raw[key]));
  if (repeated.length > 0) {
    return { params: null, problems: repeated.map((field) => ({ field, message: `${field} is given more than once; give it once` })) };
  }
  const given = bareMap<string>();
  for (const [key, value] of Object.entries(raw)) if (value !== '') given[key] = value as string;
  if (!plainlyValid(given)) {
    const { error } = postbackSchema.validate(given);
    if (error) return { params: null, problems: joiProblems(error) };
  }
  const subs: Subs = {};
  for (const key of SUB_KEYS) if (given[key] !== undefined) subs[key] = given[key];
  return {
    problems: null,
    params: {
      clickid: given.clickid as string,
      payout: given.sum ?? given.payout ?? null,
      status: (given.status as Status | undefined) ?? null,
      type: given.type ?? null,
      event_id: given.rdtk_event_id ?? given.event_id ?? given.txid ?? null,
      currency: given.currency?.toUpperCase() ?? null,
      token_hash: given.token === undefined ? null : hashToken(given.token),
      subs,
      ...(given.test === '1' || given.test === 'true' ? { test: true } : {}),
      ...(given.reversal === undefined ? {} : { reversal: given.reversal as ReversalReason }),
    },
  };
}
