import type { ClickDimensions, ConversionRecord, Subs } from './entities.js';
import type { DuplicateMode } from './duplicate-modes.js';
import type { Outcome } from './outcomes.js';
import type { Converted } from './fx.js';
import type { Status } from './statuses.js';

/**
 * One accepted postback as the duplicate rules see it: what it carried, the defaults
 * that fill in what it did not, and the mode in force when it arrived.
 */
export interface LedgerEntry {
  /** The postback id: a ULID, so sorting ids sorts by arrival. */
  id: string;
  received_at: number;
  mode: DuplicateMode;
  /** A test postback: its conversions are test conversions (absent in entries from before tests). */
  test?: boolean;
  clickid: string;
  type: string | null;
  click: ClickDimensions;
  /**
   * What the postback carried. `payout` is converted into the account currency when
   * the entry is made, so folding the entries again never depends on today's rates.
   */
  carried: {
    status: Status | null;
    payout_micros: number | null;
    currency: string | null;
    event_id: string | null;
    subs: Subs;
    payout?: Converted | null;
  };
  /** `currency` is the account currency; `payout` the offer's default payout, converted. */
  defaults: { status: Status; payout_micros: number; currency: string; payout?: Converted };
}

export interface EntryOutcome {
  outcome: Outcome;
  conversion_id: string | null;
  detail: string | null;
}

/**
 * What the next entry of a key needs to know of the entries before it: the key's
 * first conversion as it stands (edits and increments go to it; `ignore` and
 * `new_or_repeated` ask whether it exists). It does not grow with the key's history.
 */
export interface FoldState {
  first: ConversionRecord | null;
}

export const EMPTY_FOLD: FoldState = { first: null };

/** One entry applied to the state before it. */
export interface Step {
  state: FoldState;
  outcome: EntryOutcome;
  /** The conversion this entry created or changed, as it stands after it; null when it changed none. */
  conversion: ConversionRecord | null;
}

export interface Fold {
  /** The conversions the entries add up to; each one's id is the postback that created it. */
  conversions: ConversionRecord[];
  outcomes: Map<string, EntryOutcome>;
}

/**
 * Which entries decide each other. A duplicate is a later postback for the same click
 * and type (specification §5); under `ignore_by_event_id` it is one for the same type and event
 * id on any click, and a postback without an event id stands alone.
 */
export function ledgerKey(
  mode: DuplicateMode,
  postbackId: string,
  clickid: string,
  type: string | null,
  eventId: string | null,
  test = false,
): string {
  // Test postbacks run the same rules among themselves only: a test never makes a real postback a duplicate.
  const prefix = test ? TEST_KEY_PREFIX : '';
  if (mode !== 'ignore_by_event_id') return prefix + JSON.stringify(['click', clickid, type]);
  return prefix + (eventId === null ? JSON.stringify(['postback', postbackId]) : JSON.stringify(['event', type, eventId]));
}

/** What starts the ledger key of a test postback (purging test data removes those ledgers). */
export const TEST_KEY_PREFIX = 'test:';

/** The mode of a type, else of the offer source, else `create_new`. */
export function resolveMode(typeMode: DuplicateMode | null | undefined, sourceMode: DuplicateMode | null | undefined): DuplicateMode {
  return typeMode ?? sourceMode ?? 'create_new';
}

/** Arrival order: postback ids are ULIDs, so their order is the order they were received in. */
export const byArrival = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Applies one entry to the state of the entries before it (specification §5). The whole
 * duplicate policy is here; a key's result is these steps taken in arrival order.
 */
export function step(state: FoldState, entry: LedgerEntry): Step {
  const original = state.first;
  const record = (duplicateStatus: ConversionRecord['duplicate_status'], detail: string | null = null): Step => {
    const conversion = newConversion(entry, duplicateStatus);
    return {
      state: original ? state : { first: conversion },
      outcome: { outcome: 'recorded', conversion_id: entry.id, detail },
      conversion,
    };
  };
  const change = (outcome: 'updated' | 'incremented', conversion: ConversionRecord): Step => ({
    state: { first: conversion },
    outcome: { outcome, conversion_id: conversion.id, detail: null },
    conversion,
  });
  switch (entry.mode) {
    case 'create_new':
      return record('unknown');
    case 'new_or_repeated':
      return record(original ? 'repeated' : 'new');
    case 'ignore':
    case 'ignore_by_event_id':
      if (!original)
        return record(
          'unknown',
          entry.carried.event_id === null && entry.mode === 'ignore_by_event_id' ? 'event id missing: recorded without dedupe' : null,
        );
      return {
        state,
        outcome: { outcome: entry.mode === 'ignore' ? 'ignored_duplicate' : 'ignored_event_id', conversion_id: original.id, detail: null },
        conversion: null,
      };
    case 'edit':
      return original ? change('updated', edit(original, entry)) : record('unknown');
    case 'increment_payout':
      return original
        ? change('incremented', {
            ...original,
            ...increment(original, moneyOf(entry)),
            updated_at: Math.max(original.updated_at, entry.received_at),
          })
        : record('unknown');
  }
}

/**
 * A key's entries applied one after another in arrival order. Because the result
 * depends only on the set of entries, two workers that apply the same postbacks in
 * different orders end with the same conversions as one worker applying them in
 * arrival order. The worker applies entries one `step` at a time; this is the same
 * rule over a whole ledger, for checks and tests.
 */
export function foldLedger(entries: readonly LedgerEntry[], from: FoldState = EMPTY_FOLD): Fold {
  const conversions = new Map<string, ConversionRecord>();
  const outcomes = new Map<string, EntryOutcome>();
  let state = from;
  for (const entry of [...entries].sort(byArrival)) {
    const next = step(state, entry);
    if (next.conversion) conversions.set(next.conversion.id, next.conversion);
    outcomes.set(entry.id, next.outcome);
    state = next.state;
  }
  return { conversions: [...conversions.values()], outcomes };
}

type Money = Pick<ConversionRecord, 'payout_micros' | 'currency' | 'original_payout_micros' | 'original_currency' | 'fx_rate'>;

/**
 * The payout an entry brings: the one it carried, else the offer's default, in the
 * account currency with the original beside it. Entries written before currencies
 * were converted hold no `payout`; theirs is taken as it is, at rate 1.
 */
function moneyOf({ carried, defaults }: LedgerEntry): Money {
  const given = carried.payout_micros !== null;
  const converted = given ? carried.payout : defaults.payout;
  const micros = given ? (carried.payout_micros as number) : defaults.payout_micros;
  return {
    payout_micros: converted?.micros ?? micros,
    currency: defaults.currency,
    original_payout_micros: converted?.original_micros ?? micros,
    original_currency: converted?.original_currency ?? (given ? carried.currency : null) ?? defaults.currency,
    fx_rate: converted?.rate ?? '1',
  };
}

/**
 * `increment_payout`: the payouts add up in the account currency. The original
 * amounts add up too while they share a currency and rate; once they do not, the
 * original is the account-currency total.
 */
function increment(original: Money, more: Money): Money {
  const payout_micros = original.payout_micros + more.payout_micros;
  if (original.original_currency === more.original_currency && original.fx_rate === more.fx_rate) {
    return { ...original, payout_micros, original_payout_micros: original.original_payout_micros + more.original_payout_micros };
  }
  return {
    payout_micros,
    currency: original.currency,
    original_payout_micros: payout_micros,
    original_currency: original.currency,
    fx_rate: '1',
  };
}

function newConversion(entry: LedgerEntry, duplicateStatus: ConversionRecord['duplicate_status']): ConversionRecord {
  const { carried, defaults } = entry;
  return {
    id: entry.id,
    clickid: entry.clickid,
    type: entry.type,
    status: carried.status ?? defaults.status,
    ...moneyOf(entry),
    event_id: carried.event_id,
    duplicate_status: duplicateStatus,
    created_at: entry.received_at,
    updated_at: entry.received_at,
    click: entry.click,
    subs: carried.subs,
    test: entry.test === true,
    reversal: null,
  };
}

/** `edit`: only what the postback carries changes; everything else is kept. */
function edit(original: ConversionRecord, entry: LedgerEntry): ConversionRecord {
  const { carried } = entry;
  return {
    ...original,
    status: carried.status ?? original.status,
    // Money changes only with a carried payout (a currency alone says nothing new).
    ...(carried.payout_micros === null ? {} : moneyOf(entry)),
    event_id: carried.event_id ?? original.event_id,
    subs: { ...original.subs, ...carried.subs },
    updated_at: Math.max(original.updated_at, entry.received_at),
  };
}
