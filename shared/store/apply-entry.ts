import { foldLedger, type LedgerEntry } from '../domain/duplicate-policy.js';
import type { Conversion, PostbackLogEntry } from '../domain/entities.js';
import { AppError } from '../errors/app-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import type { Projection, Store } from './store.js';

export interface AppliedEntry {
  /** False when the postback was in the ledger already (a retry or a replay of an applied one). */
  applied: boolean;
  /** The postback's log entry with its outcome. */
  log: PostbackLogEntry;
}

type BareLog = Omit<PostbackLogEntry, 'outcome' | 'reason' | 'detail' | 'conversion_id'>;

const MAX_CONFLICTS = 20;

/**
 * Adds one accepted postback to its key's ledger and writes what follows from it.
 * The ledger's compare-and-set makes the store the arbiter: a stale lock, a retried
 * job or a replay can neither double-apply a postback nor lose one. A postback found
 * in the ledger already has its projection written again, which repairs a crash
 * between the ledger commit and the projection (MongoDB).
 */
export async function applyEntry(store: Store, key: string, entry: LedgerEntry, log: BareLog): Promise<AppliedEntry> {
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    const ledger = await store.loadLedger(key);
    if (ledger.entries.some((e) => e.id === entry.id)) {
      const projection = projectionOf(ledger.entries, null, log);
      await store.writeProjection(projection);
      await settle(store, key, ledger.version, log);
      return { applied: false, log: projection.entry };
    }
    const entries = [...ledger.entries, entry];
    const projection = projectionOf(entries, ledger.entries, log);
    if (await store.commitLedger(key, ledger.version, entries, projection)) {
      await settle(store, key, ledger.version + 1, log);
      return { applied: true, log: projection.entry };
    }
  }
  throw new AppError(ErrorCodes.STORE_UNAVAILABLE, `ledger ${key} kept changing under ${MAX_CONFLICTS} attempts`, { retryable: true });
}

/**
 * Where the store cannot commit ledger and projection together (MongoDB), a writer
 * that lost its lock may write its projection after a newer one. Each writer checks
 * after writing and, if the ledger moved on, writes the newest state again, so the
 * last write is always of the newest ledger. In SQLite this finds nothing to do.
 */
async function settle(store: Store, key: string, written: number, log: BareLog): Promise<void> {
  let version = written;
  for (;;) {
    const latest = await store.loadLedger(key);
    if (latest.version === version) return;
    await store.writeProjection(projectionOf(latest.entries, null, log));
    version = latest.version;
  }
}

/**
 * What the key's entries add up to, as writes. With `previous` it is only what changed
 * since those entries; with null it is everything (a repair).
 */
function projectionOf(entries: readonly LedgerEntry[], previous: readonly LedgerEntry[] | null, log: BareLog): Projection {
  const before = foldLedger(previous ?? []);
  const after = foldLedger(entries);
  const own = after.outcomes.get(log.id);
  if (!own) throw new Error(`postback ${log.id} is not in the ledger it is projected from`);
  const keep = new Set(after.conversions.map((c) => c.id));
  const ids = entries.map((e) => e.id);
  return {
    conversions: after.conversions.filter((c) => !previous || changed(c, before.conversions)),
    // Conversion ids are postback ids, so every conversion a key may have is named by
    // one of its entries: deleting the others is exact, and idempotent.
    removedConversionIds: ids.filter((id) => !keep.has(id) && (!previous || before.conversions.some((c) => c.id === id))),
    logUpdates: [...after.outcomes]
      .filter(([id, outcome]) => {
        const earlier = before.outcomes.get(id);
        return id !== log.id && (!previous || earlier?.outcome !== outcome.outcome || earlier.conversion_id !== outcome.conversion_id);
      })
      .map(([id, outcome]) => ({ id, ...outcome })),
    entry: { ...log, outcome: own.outcome, reason: null, detail: own.detail, conversion_id: own.conversion_id },
  };
}

function changed(conversion: Conversion, before: readonly Conversion[]): boolean {
  const previous = before.find((c) => c.id === conversion.id);
  return !previous || JSON.stringify(previous) !== JSON.stringify(conversion);
}
