import { SUB_KEYS, type SubKey, type Subs, type Traits, type TraitKey } from './entities.js';

/**
 * The traits with a day rollup, as every sub has: the country, what buyers group by
 * most. Each rolled key adds a rollup row to every click and conversion write (with
 * device, OS, browser and bot too the worker spent more CPU per postback and drained
 * slower: docs/decisions.md), so the others are answered from the raw rows (the column
 * copy on SQLite), and over days whose raw clicks retention removed, not at all.
 */
export const ROLLED_TRAITS = ['country'] as const;
/** The click values the rollups keep per UTC day: sub1..sub10, then the rolled traits. */
export const ROLLED_KEYS = [...SUB_KEYS, ...ROLLED_TRAITS] as const;
export type RolledKey = (typeof ROLLED_KEYS)[number];
/** A rolled key's number in the rollups (stored: only ever append): sub1..sub10 are 1..10, `country` 11, and on. */
export const rolledNumber = (key: RolledKey): number => ROLLED_KEYS.indexOf(key) + 1;
const SUB_SET: ReadonlySet<string> = new Set(SUB_KEYS);
export const isRolledKey = (key: string): key is RolledKey => (ROLLED_KEYS as readonly string[]).includes(key);

/** The set rolled values of a click, in ROLLED_KEYS order (so equal clicks make equal keys). */
export function rolledValues(click: { subs: Subs; traits?: Traits }): Array<[RolledKey, string]> {
  const set: Array<[RolledKey, string]> = [];
  for (const key of ROLLED_KEYS) {
    const value = SUB_SET.has(key) ? click.subs[key as SubKey] : click.traits?.[key as TraitKey];
    if (value !== undefined) set.push([key, value]);
  }
  return set;
}
