import type { Database } from 'better-sqlite3';
import { EMPTY_FOLD, step, type LedgerEntry } from '../../domain/duplicate-policy.js';
import type { ConversionRecord, PostbackLogEntry } from '../../domain/entities.js';
import { emptyHead, type LedgerHead, type LedgerRow } from '../../domain/ledger.js';
import type { CommitResult, LedgerCommit, LedgerSuffix, LogUpdate } from '../store.js';

/** How the ledger code writes what a commit decided; the store's projection writer. */
export interface ProjectionWriter {
  /**
   * Writes (or, for null, removes) conversions and moves the rollups by the difference,
   * at once. Answers the records it wrote otherwise than given (a reversal kept).
   */
  conversions(changes: ReadonlyArray<readonly [string, ConversionRecord | null]>): ReadonlyMap<string, ConversionRecord>;
  entry(entry: PostbackLogEntry): void;
  logUpdate(update: LogUpdate): void;
  /** Logs a rejection unless the id was applied before. */
  rejected(entry: PostbackLogEntry): void;
}

type StoredHead = Omit<LedgerHead, 'key' | 'version'>;

/**
 * Ledger heads and rows in SQLite. A batch commits in one IMMEDIATE transaction:
 * SQLite serialises writers across processes, so each key's compare-and-set and its
 * projection land together or not at all, with one disk sync for the whole batch.
 */
export function createSqliteLedgers(db: Database, write: ProjectionWriter) {
  const getHead = db.prepare<[string], { version: number; head: string | null }>('SELECT version, head FROM ledgers WHERE key = ?');
  const putHead = db.prepare(`INSERT INTO ledgers (key, version, entries, head) VALUES (?, ?, '[]', ?)
    ON CONFLICT (key) DO UPDATE SET version = excluded.version, head = excluded.head, entries = '[]'`);
  const putRow = db.prepare(
    'INSERT INTO ledger_rows (key, id, row) VALUES (?, ?, ?) ON CONFLICT (key, id) DO UPDATE SET row = excluded.row',
  );
  const before = db.prepare<[string, string], { row: string }>(
    'SELECT row FROM ledger_rows WHERE key = ? AND id < ? ORDER BY id DESC LIMIT 1',
  );
  const from = db.prepare<[string, string], { row: string }>('SELECT row FROM ledger_rows WHERE key = ? AND id >= ? ORDER BY id');
  const compact = db.prepare('DELETE FROM ledger_rows WHERE key = ? AND id < ?');
  const settingsVersion = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'settings_version'");

  const headOf = (key: string): LedgerHead => {
    const stored = getHead.get(key);
    if (!stored?.head) return emptyHead(key);
    return { key, version: stored.version, ...(JSON.parse(stored.head) as StoredHead) };
  };
  const parseRow = (text: string): LedgerRow => JSON.parse(text) as LedgerRow;

  const commit = db.transaction((commits: LedgerCommit[], rejected: PostbackLogEntry[], expectedSettings: number | null): CommitResult => {
    if (expectedSettings !== null && Number(settingsVersion.get()?.value ?? 0) !== expectedSettings)
      return { conflicts: [], settingsChanged: true, kept: new Map() };
    const conflicts: string[] = [];
    const conversions: Array<readonly [string, ConversionRecord | null]> = [];
    for (const c of commits) {
      if ((getHead.get(c.key)?.version ?? 0) !== c.expectedVersion) {
        conflicts.push(c.key);
        continue;
      }
      for (const row of c.rows) putRow.run(c.key, row.entry.id, JSON.stringify(row));
      let base = c.head.base;
      if (c.compactBefore) {
        const last = before.get(c.key, c.compactBefore);
        if (last) base = parseRow(last.row).after;
        compact.run(c.key, c.compactBefore);
      }
      const { key: _key, version, ...head } = { ...c.head, base };
      putHead.run(c.key, version, JSON.stringify(head));
      conversions.push(...c.conversions);
      for (const entry of c.entries) write.entry(entry);
      for (const update of c.logUpdates) write.logUpdate(update);
    }
    const kept = write.conversions(conversions);
    for (const entry of rejected) write.rejected(entry);
    return { conflicts, settingsChanged: false, kept };
  });

  return {
    settingsVersion: (): number => Number(settingsVersion.get()?.value ?? 0),
    heads: (keys: readonly string[]): Map<string, LedgerHead> => new Map(keys.map((key) => [key, headOf(key)])),
    suffix: (key: string, fromId: string): LedgerSuffix => {
      const previous = before.get(key, fromId);
      return { predecessor: previous ? parseRow(previous.row) : null, rows: from.all(key, fromId).map((r) => parseRow(r.row)) };
    },
    commit: (commits: LedgerCommit[], rejected: PostbackLogEntry[], settings: number | null): CommitResult =>
      commit.immediate(commits, rejected, settings),
  };
}

/**
 * Stores from before heads kept each key's whole ledger in one row; each becomes a
 * head and a row per entry, folded once (a migration step, in its transaction).
 */
export function migrateWholeLedgers(db: Database): void {
  // Once per store: afterwards every ledger has a head, and the scan would only cost time at each start.
  if (db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'ledger_heads'").get()) return;
  const done = db.prepare("INSERT INTO meta (key, value) VALUES ('ledger_heads', '1') ON CONFLICT (key) DO NOTHING");
  const old = db
    .prepare<[], { key: string; version: number; entries: string }>(
      "SELECT key, version, entries FROM ledgers WHERE head IS NULL AND entries != '[]'",
    )
    .all();
  if (old.length === 0) {
    done.run();
    return;
  }
  const putRow = db.prepare('INSERT OR REPLACE INTO ledger_rows (key, id, row) VALUES (?, ?, ?)');
  const putHead = db.prepare("UPDATE ledgers SET head = ?, entries = '[]' WHERE key = ?");
  for (const ledger of old) {
    const entries = (JSON.parse(ledger.entries) as LedgerEntry[]).sort((a, b) => (a.id < b.id ? -1 : 1));
    let state = EMPTY_FOLD;
    for (const entry of entries) {
      const next = step(state, entry);
      putRow.run(ledger.key, entry.id, JSON.stringify({ entry, outcome: next.outcome, after: next.state } satisfies LedgerRow));
      state = next.state;
    }
    const head: StoredHead = { lastId: entries[entries.length - 1]?.id ?? null, state, compactedTo: null, base: EMPTY_FOLD };
    putHead.run(JSON.stringify(head), ledger.key);
  }
  done.run();
}
