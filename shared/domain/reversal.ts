import type { ConversionRecord, Reversal } from './entities.js';
import type { Status } from './statuses.js';

/**
 * Reversals (specification §11): money taken back after the fact. A reversed conversion is
 * `declined` to everyone reading it; the stores count it under this status of its own
 * (`reversed`) so reports can tell gross, reversed and net revenue apart, and fold it
 * into the declined columns.
 */
export const REVERSED = 'reversed';

/** The log's detail for a reversal postback that found its conversion reversed already. */
export const ALREADY = 'the conversion was reversed already: nothing changed';

/** The status a store groups a conversion under: `reversed` once reversed. */
export const reportStatus = (c: Pick<ConversionRecord, 'status' | 'reversal'>): string => (c.reversal ? REVERSED : c.status);

/** The stored statuses a status filter matches: `declined` is the declined and the reversed ones. */
export const storedStatuses = (status: Status | undefined): string[] | undefined =>
  status === undefined ? undefined : status === 'declined' ? ['declined', REVERSED] : [status];

/** The conversion as the reversal leaves it: declined, with who and why. */
export function reversed(conversion: ConversionRecord, reversal: Omit<Reversal, 'previous_status'>): ConversionRecord {
  return {
    ...conversion,
    status: 'declined',
    reversal: { ...reversal, previous_status: conversion.status },
    updated_at: Math.max(conversion.updated_at, reversal.reversed_at),
  };
}

/**
 * A conversion the duplicate rules rewrote (an edit, an increment), with the reversal it
 * already had: a reversal is final, so it stays declined and reversed whatever later
 * postbacks carry, and the reversed amount follows its payout.
 */
export function keepReversal(record: ConversionRecord, stored: Reversal | null): ConversionRecord {
  if (!stored || record.reversal) return record;
  return { ...record, status: 'declined', reversal: stored };
}

/**
 * Which conversion takes over a removed one's reversal in the same write: a re-fold
 * replaces a key's one conversion when a late postback turns out to be the original
 * (under `ignore`, `edit`, `increment_payout`), and the money taken back stays taken back.
 */
export const replacementKey = (c: Pick<ConversionRecord, 'clickid' | 'type'>): string => JSON.stringify([c.clickid, c.type]);

/** What a reversal postback names: its click and type, and the event id when it gives one. */
export interface ReversalMatch {
  clickid: string;
  type: string | null;
  event_id: string | null;
}

/**
 * The conversion a reversal postback takes back, among its click and type's
 * conversions: the newest one not reversed yet (with the event id, when the postback
 * gives one). Several conversions of one click and type (`create_new`) are taken back
 * one postback at a time, newest first.
 */
export function pickReversalTarget<T extends ConversionRecord>(candidates: readonly T[], match: ReversalMatch): T | null {
  return newest(candidates, match, false);
}

/**
 * With nothing left to take back: the newest matching conversion reversed already, when
 * there is one (the reversal postback is a repeat, logged `ignored_duplicate`).
 */
export function pickReversedAlready<T extends ConversionRecord>(candidates: readonly T[], match: ReversalMatch): T | null {
  return newest(candidates, match, true);
}

function newest<T extends ConversionRecord>(candidates: readonly T[], match: ReversalMatch, reversed: boolean): T | null {
  let best: T | null = null;
  for (const c of candidates) {
    if (c.clickid !== match.clickid || c.type !== match.type || (c.reversal !== null) !== reversed) continue;
    if (match.event_id !== null && c.event_id !== match.event_id) continue;
    if (!best || c.created_at > best.created_at || (c.created_at === best.created_at && c.id > best.id)) best = c;
  }
  return best;
}
