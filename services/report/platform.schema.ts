import Joi from 'joi';
import type { TrafficChannel } from '../../shared/domain/entities.js';
import type { FieldProblem } from '../../shared/errors/app-error.js';

/*
 * Ad platform settings of a traffic channel. A PATCH may give part of one (a new
 * mapping, one rotated secret): it is merged into what is stored, so write-only
 * secrets need not be sent again. What results must be complete for the integration.
 */

/** An account id as the platform's UI shows it (`123-456-7890`), kept as digits. */
const digits = (label: string) =>
  Joi.string()
    .replace(/-/g, '')
    .pattern(/^\d{1,20}$/)
    .messages({ 'string.pattern.base': `{#label} must be the ${label} (digits, dashes allowed)` });
const secret = Joi.string().min(8).max(2000);
/** Which platform name each of our conversion types goes as (`types`), and the main conversion's (`main`). */
const mappingTo = (name: Joi.StringSchema) => ({
  main: name.allow(null),
  types: Joi.object().pattern(Joi.string().min(1).max(64), name).max(200),
});
const mapping = mappingTo(Joi.string().min(1).max(200));

/** A Google Ads conversion action: its id, or its full resource name. */
const googleAction = Joi.string()
  .pattern(/^(\d{1,20}|customers\/\d{1,20}\/conversionActions\/\d{1,20})$/)
  .messages({ 'string.pattern.base': '{#label} must be a conversion action id (digits) or customers/<id>/conversionActions/<id>' });

const fields = {
  google_ads: {
    ...mappingTo(googleAction),
    customer_id: digits('Google Ads customer id'),
    login_customer_id: digits('manager account id').allow(null),
    developer_token: secret,
    client_id: Joi.string().min(1).max(500),
    client_secret: secret,
    refresh_token: secret,
  },
  microsoft_ads: {
    ...mapping,
    customer_id: digits('Microsoft Advertising customer id'),
    account_id: digits('Microsoft Advertising account id'),
    developer_token: secret,
    client_id: Joi.string().min(1).max(500),
    client_secret: secret.allow(null),
    refresh_token: secret,
  },
  tiktok: {
    ...mapping,
    pixel_code: Joi.string()
      .pattern(/^[A-Za-z0-9]{1,64}$/)
      .messages({ 'string.pattern.base': '{#label} must be the TikTok pixel code (letters and digits)' }),
    access_token: secret,
    test_event_code: Joi.string().max(100).allow(null),
  },
} as const;

type PlatformKey = keyof typeof fields;
export const PLATFORM_KEYS = Object.keys(fields) as PlatformKey[];

/** What a create or PATCH may carry for each platform: any part of its settings, or null to remove them. */
export const platformFields = Object.fromEntries(PLATFORM_KEYS.map((key) => [key, Joi.object(fields[key]).allow(null)])) as Record<
  PlatformKey,
  Joi.ObjectSchema
>;

/** Defaults of the optional fields, filled where a platform's settings are first given. */
const DEFAULTS: Record<PlatformKey, Record<string, unknown>> = {
  google_ads: { main: null, types: {}, login_customer_id: null },
  microsoft_ads: { main: null, types: {}, client_secret: null },
  tiktok: { main: null, types: {}, test_event_code: null },
};

/** The channel's platform settings after a create or PATCH: given parts merged over the stored ones. */
export function mergePlatforms(input: Partial<TrafficChannel>, existing: TrafficChannel | null): Partial<TrafficChannel> {
  const merged: Partial<TrafficChannel> = {};
  for (const key of PLATFORM_KEYS) {
    const given = input[key];
    if (given === undefined) continue;
    (merged as Record<string, unknown>)[key] = given === null ? null : { ...DEFAULTS[key], ...(existing?.[key] ?? {}), ...given };
  }
  return merged;
}

/** Problems of a channel whose integration lacks its settings or has them incomplete. */
export function platformProblems(channel: TrafficChannel): FieldProblem[] {
  const key = channel.integration as PlatformKey;
  if (!PLATFORM_KEYS.includes(key)) return [];
  const settings = channel[key];
  const required = Object.keys(fields[key]).filter((f) => !(f in DEFAULTS[key]));
  if (!settings) return [{ field: key, message: `${key}: a ${key} channel needs ${key}.${required.join(`, ${key}.`)}` }];
  const missing = required.filter((f) => (settings as unknown as Record<string, unknown>)[f] == null);
  const problems = missing.map((f) => ({ field: `${key}.${f}`, message: `${key}.${f} is required for a ${key} channel` }));
  if (settings.main === null && Object.keys(settings.types).length === 0)
    problems.push({
      field: `${key}.types`,
      message: `${key}: map at least one conversion type (types) or the main conversion (main) to a platform name`,
    });
  return problems;
}
