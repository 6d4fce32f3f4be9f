import type { ConversionRecord, PostbackLogEntry } from '../domain/entities.js';
import type { LedgerHead, LedgerRow } from '../domain/ledger.js';
import type { Outcome } from '../domain/outcomes.js';

// What the worker hands a store to commit a batch of postbacks, and what it gets back (the port is `LedgerRepository`).

/** A changed outcome of a postback already in the log. */
export interface LogUpdate {
  id: string;
  outcome: Outcome;
  conversion_id: string | null;
  detail: string | null;
}

/** What a ledger change writes: the key's conversions, removals, outcomes and the new entry. */
export interface Projection {
  conversions: ConversionRecord[];
  removedConversionIds: string[];
  logUpdates: LogUpdate[];
  /** The postback's own log entry, written whole (it replaces a `rejected` one on replay). */
  entry: PostbackLogEntry;
}

/** One key's part of a batch commit: its ledger, if still at `expectedVersion`, and what follows from it. */
export interface LedgerCommit {
  key: string;
  expectedVersion: number;
  head: LedgerHead;
  /** Rows to insert or replace. */
  rows: LedgerRow[];
  /** Rows with ids below this are deleted, the state after the last of them kept as the head's base. */
  compactBefore: string | null;
  /** Conversions as they stand after the commit: a record to write, or null to remove. */
  conversions: Map<string, ConversionRecord | null>;
  /** The postbacks' own log entries, written whole (replacing a rejection on replay). */
  entries: PostbackLogEntry[];
  /** Outcomes of postbacks already logged, changed by a re-fold; applied after `entries`. */
  logUpdates: LogUpdate[];
}

/** What a batch commit did: keys whose version had moved (nothing of theirs written), or settings that changed. */
export interface CommitResult {
  conflicts: string[];
  /** True when the settings changed since `settingsVersion`: nothing was written. */
  settingsChanged: boolean;
  /**
   * Conversions written otherwise than the commit gave them: a reversal is final, so a
   * conversion the re-fold rewrote keeps the reversal it had (declined, reversed). What
   * follows the commit (deliveries, the postback's answer) reads these first.
   */
  kept: ReadonlyMap<string, ConversionRecord>;
}

/** The rows of a key around one entry id: the last one before it and every one from it on. */
export interface LedgerSuffix {
  predecessor: LedgerRow | null;
  /** Rows with ids ≥ the one asked for, in id order. */
  rows: LedgerRow[];
}
