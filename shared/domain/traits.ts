/**
 * What the click's IP and user agent say of the visitor, derived once when the click is
 * stored (specification §7): ISO 3166 country code, region and city where the IP
 * database has them, device type (`desktop`, `mobile`, `tablet`, …), OS and browser
 * names with their major versions, and `bot` (`true` or `false`). Absent keys are unknown.
 */
export const TRAIT_KEYS = ['country', 'region', 'city', 'device_type', 'os', 'os_version', 'browser', 'browser_version', 'bot'] as const;
export type TraitKey = (typeof TRAIT_KEYS)[number];
export type Traits = Partial<Record<TraitKey, string>>;
