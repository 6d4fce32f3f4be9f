import type { EntryOutcome, LedgerEntry } from '../../shared/domain/duplicate-policy.js';
import type { ConversionRecord, PostbackLogEntry } from '../../shared/domain/entities.js';
import { inOrder, planAppend, planInsert, type LedgerHead, type LedgerPlan, type LedgerRow } from '../../shared/domain/ledger.js';
import type { LedgerCommit, LogUpdate, Store } from '../../shared/store/store.js';
import type { BareLog } from './prepare-postback.js';

export interface KeyItem {
  entry: LedgerEntry;
  log: BareLog;
}

/** One key's commit for a batch, and each item's log entry as the commit leaves it. */
export interface KeyPlan {
  commit: LedgerCommit;
  entries: Map<string, PostbackLogEntry>;
}

const byId = (a: LedgerRow, b: LedgerRow): number => (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0);
const logOf = (log: BareLog, outcome: EntryOutcome): PostbackLogEntry => ({
  ...log,
  outcome: outcome.outcome,
  reason: null,
  detail: outcome.detail,
  conversion_id: outcome.conversion_id,
});

/**
 * Plans a batch's entries of one key against its head, in arrival order, into one
 * commit. An entry after the key's last is one step; one before it is re-folded over
 * the rows after it, read once from the store (from the earliest such entry) and kept
 * current in memory as later entries of the batch change them.
 */
export async function planKey(
  store: Pick<Store, 'loadLedgerSuffix'>,
  head: LedgerHead,
  items: readonly KeyItem[],
  now: number,
): Promise<KeyPlan> {
  const sorted = [...items].sort((a, b) => (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0));
  let current = head;
  let tail: LedgerRow[] | null = null;
  let base: LedgerRow | null = null;
  const rows = new Map<string, LedgerRow>();
  const conversions = new Map<string, ConversionRecord | null>();
  const entries = new Map<string, PostbackLogEntry>();
  const logUpdates: LogUpdate[] = [];
  let compactBefore: string | null = null;

  for (const { entry, log } of sorted) {
    let plan: LedgerPlan;
    if (inOrder(current, entry)) {
      plan = planAppend(current, entry, now);
      tail?.push(...plan.rows);
    } else {
      if (!tail) {
        const stored = await store.loadLedgerSuffix(head.key, entry.id);
        const planned = [...rows.values()];
        base =
          [stored.predecessor, ...planned.filter((r) => r.entry.id < entry.id)]
            .filter((r): r is LedgerRow => r !== null)
            .sort(byId)
            .pop() ?? null;
        const merged = new Map(stored.rows.map((r) => [r.entry.id, r]));
        for (const r of planned) if (r.entry.id >= entry.id) merged.set(r.entry.id, r);
        tail = [...merged.values()].sort(byId);
      }
      const same = tail.find((r) => r.entry.id === entry.id);
      if (same) {
        // In the ledger already, though not in the log: write its log entry as the ledger has it.
        entries.set(entry.id, logOf(log, same.outcome));
        continue;
      }
      const predecessor = tail.filter((r) => r.entry.id < entry.id).pop() ?? base;
      plan = planInsert(
        current,
        entry,
        predecessor,
        tail.filter((r) => r.entry.id > entry.id),
      );
      const replaced: Map<string, LedgerRow> = new Map();
      for (const r of tail) replaced.set(r.entry.id, r);
      for (const r of plan.rows) replaced.set(r.entry.id, r);
      tail = [...replaced.values()].sort(byId);
    }
    current = plan.head;
    for (const row of plan.rows) rows.set(row.entry.id, row);
    for (const c of plan.conversions) conversions.set(c.id, c);
    for (const id of plan.removedConversionIds) conversions.set(id, null);
    for (const change of plan.outcomeChanges) {
      const mine = entries.get(change.id);
      if (mine) entries.set(change.id, { ...mine, outcome: change.outcome, detail: change.detail, conversion_id: change.conversion_id });
      else logUpdates.push(change);
    }
    entries.set(entry.id, logOf(log, plan.outcome));
    compactBefore = plan.compactBefore ?? compactBefore;
  }
  return {
    commit: {
      key: head.key,
      expectedVersion: head.version,
      head: current,
      rows: [...rows.values()],
      compactBefore,
      conversions,
      entries: [...entries.values()],
      logUpdates,
    },
    entries,
  };
}
