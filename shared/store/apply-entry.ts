import { foldLedger, type LedgerEntry } from '../domain/duplicate-policy.js';
import type { Conversion, PostbackLogEntry } from '../domain/entities.js';
import { AppError } from '../errors/app-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import type { LogUpdate, Projection, Store } from './store.js';

export interface AppliedEntry {
  /** False when the postback was in the ledger already (a retry or a replay of an applied one). */
  applied: boolean;
  /** The postback's log entry with its outcome. */
  log: PostbackLogEntry;
}

const MAX_CONFLICTS = 20;

/**
 * Adds one accepted postback to its key's ledger and writes what follows from it.
 * The ledger's compare-and-set makes the store the arbiter: a stale lock, a retried
 * job or a replay can neither double-apply a postback nor lose one. A postback found
 * in the ledger already has its projection written again, which repairs a crash
 * between the ledger commit and the projection (MongoDB).
 */
export async function applyEntry(store: Store, key: string, entry: LedgerEntry, log: Omit<PostbackLogEntry, 'outcome' | 'reason' | 'detail' | 'conversion_id'>): Promise<AppliedEntry> {
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    const ledger = await store.loadLedger(key);
    const already = ledger.entries.some((e) => e.id === entry.id);
    const entries = already ? ledger.entries : [...ledger.entries, entry];
    const before = foldLedger(already ? [] : ledger.entries);
    const after = foldLedger(entries);
    const own = after.outcomes.get(entry.id);
    if (!own) throw new Error(`fold lost postback ${entry.id}`);
    const fullLog: PostbackLogEntry = { ...log, outcome: own.outcome, reason: null, detail: own.detail, conversion_id: own.conversion_id };
    const logUpdates: LogUpdate[] = [];
    for (const [id, outcome] of after.outcomes) {
      const earlier = before.outcomes.get(id);
      if (id !== entry.id && (already || !earlier || earlier.outcome !== outcome.outcome || earlier.conversion_id !== outcome.conversion_id)) {
        logUpdates.push({ id, ...outcome });
      }
    }
    const keep = new Set(after.conversions.map((c) => c.id));
    const projection: Projection = {
      conversions: after.conversions.filter((c) => already || changed(c, before.conversions)),
      // Conversion ids are postback ids, so every conversion the key may have is named
      // by one of its entries: deleting the others is exact, and idempotent.
      removedConversionIds: entries.map((e) => e.id).filter((id) => !keep.has(id) && (already || before.conversions.some((c) => c.id === id))),
      logUpdates,
      entry: fullLog,
    };
    if (already) {
      await store.writeProjection(projection);
      return { applied: false, log: fullLog };
    }
    if (await store.commitLedger(key, ledger.version, entries, projection)) return { applied: true, log: fullLog };
  }
  throw new AppError(ErrorCodes.STORE_UNAVAILABLE, `ledger ${key} kept changing under ${MAX_CONFLICTS} attempts`, { retryable: true });
}

function changed(conversion: Conversion, before: readonly Conversion[]): boolean {
  const previous = before.find((c) => c.id === conversion.id);
  return !previous || JSON.stringify(previous) !== JSON.stringify(conversion);
}
