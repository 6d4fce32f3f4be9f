import { decodeTime, encodeTime } from 'ulid';
import { EMPTY_FOLD, step, type EntryOutcome, type FoldState, type LedgerEntry } from './duplicate-policy.js';
import type { ConversionRecord } from './entities.js';

/**
 * A duplicate key's ledger, kept so that applying one more postback costs the same
 * whatever the key's history: the head holds the state after every entry, so an entry
 * that arrives in order is one `step`; each entry's row holds the state after it, so
 * one that arrives out of order is re-folded from its predecessor over the entries
 * after it only. Rows older than `LEDGER_WINDOW_MS` are compacted into `base`.
 */
export interface LedgerHead {
  key: string;
  /** Compare-and-set guard; 0 when the key has no ledger yet. */
  version: number;
  /** The greatest entry id applied. */
  lastId: string | null;
  /** The state after every entry. */
  state: FoldState;
  /** Rows with ids below this were compacted away; `base` is the state after them. */
  compactedTo: string | null;
  base: FoldState;
}

/** One entry as its key keeps it: the entry, its outcome and the state after it. */
export interface LedgerRow {
  entry: LedgerEntry;
  outcome: EntryOutcome;
  after: FoldState;
}

/** A changed outcome of another postback of the key. */
export interface OutcomeChange extends EntryOutcome {
  id: string;
}

/** What applying one entry writes. */
export interface LedgerPlan {
  head: LedgerHead;
  /** The new entry's row and, out of order, the rows after it, re-folded. */
  rows: LedgerRow[];
  /** Delete rows with ids below this and keep the state after them as `base`. */
  compactBefore: string | null;
  /** Conversions created or changed, as they stand after the entry. */
  conversions: ConversionRecord[];
  removedConversionIds: string[];
  /** Other postbacks whose outcome the entry changed (only out of order). */
  outcomeChanges: OutcomeChange[];
  /** The new entry's own outcome. */
  outcome: EntryOutcome;
}

/**
 * How long entries stay re-foldable: a postback that arrives later than this behind
 * its key's newer ones (a replay days later) is placed after the compacted part,
 * ahead of the entries still kept. An hour covers the wait for a click (15 minutes by
 * default) and the retries of a store outage.
 */
export const LEDGER_WINDOW_MS = 60 * 60 * 1000;
/** Compaction runs when it can remove at least this much more history. */
const COMPACTION_STEP_MS = 10 * 60 * 1000;

export const emptyHead = (key: string): LedgerHead => ({
  key,
  version: 0,
  lastId: null,
  state: EMPTY_FOLD,
  compactedTo: null,
  base: EMPTY_FOLD,
});

/** True when `entry` sorts after every entry the head has seen: one step applies it. */
export function inOrder(head: LedgerHead, entry: LedgerEntry): boolean {
  return head.lastId === null || entry.id > head.lastId;
}

/** The smallest id made at `ms`: every id made before it sorts below. */
export function idAt(ms: number): string {
  return `${encodeTime(Math.max(0, ms), 10)}0000000000000000`;
}

/** When the entry with this id was received. */
export function idTime(id: string): number {
  try {
    return decodeTime(id.slice(0, 26));
  } catch {
    return 0;
  }
}

function compaction(head: LedgerHead, now: number): string | null {
  const boundary = now - LEDGER_WINDOW_MS;
  const done = head.compactedTo === null ? 0 : idTime(head.compactedTo);
  return boundary - done >= COMPACTION_STEP_MS && head.lastId !== null && idTime(head.lastId) > done ? idAt(boundary) : null;
}

/** An entry that sorts after the key's others: one step from the head's state. */
export function planAppend(head: LedgerHead, entry: LedgerEntry, now: number): LedgerPlan {
  const next = step(head.state, entry);
  const compactBefore = compaction(head, now);
  return {
    head: { ...head, version: head.version + 1, lastId: entry.id, state: next.state, compactedTo: compactBefore ?? head.compactedTo },
    rows: [{ entry, outcome: next.outcome, after: next.state }],
    compactBefore,
    conversions: next.conversion ? [next.conversion] : [],
    removedConversionIds: [],
    outcomeChanges: [],
    outcome: next.outcome,
  };
}

/**
 * An entry that sorts before some of the key's others: re-folded from the state after
 * its predecessor (`null`: it is the first row kept, so from `base`) over `after`, the
 * rows that sort after it. Their outcomes may change (under `ignore` the new entry may
 * be the original now), and with them which conversions exist.
 */
export function planInsert(head: LedgerHead, entry: LedgerEntry, predecessor: LedgerRow | null, after: readonly LedgerRow[]): LedgerPlan {
  let state = predecessor ? predecessor.after : head.base;
  const rows: LedgerRow[] = [];
  const outcomeChanges: OutcomeChange[] = [];
  const created = new Map<string, ConversionRecord>();
  const wasCreated = new Set(after.filter((row) => row.outcome.outcome === 'recorded').map((row) => row.entry.id));
  let own: EntryOutcome | null = null;
  for (const item of [entry, ...after.map((row) => row.entry)]) {
    const next = step(state, item);
    const previous = item === entry ? null : (after.find((row) => row.entry.id === item.id)?.outcome ?? null);
    if (item === entry) own = next.outcome;
    else if (!sameOutcome(previous, next.outcome)) outcomeChanges.push({ id: item.id, ...next.outcome });
    rows.push({ entry: item, outcome: next.outcome, after: next.state });
    if (next.outcome.outcome === 'recorded' && next.conversion) created.set(item.id, next.conversion);
    state = next.state;
  }
  // A conversion made in the re-folded part may have been edited since; the key's first one may come from before it.
  if (state.first) created.set(state.first.id, state.first);
  return {
    head: { ...head, version: head.version + 1, state, compactedTo: head.compactedTo },
    rows,
    compactBefore: null,
    conversions: [...created.values()],
    removedConversionIds: [...wasCreated].filter((id) => !created.has(id)),
    outcomeChanges,
    outcome: own as EntryOutcome,
  };
}

function sameOutcome(a: EntryOutcome | null, b: EntryOutcome): boolean {
  return a !== null && a.outcome === b.outcome && a.conversion_id === b.conversion_id && a.detail === b.detail;
}
