import type mongoose from 'mongoose';
import type { ConversionRecord, PostbackLogEntry } from '../../domain/entities.js';
import { EMPTY_FOLD, step, type LedgerEntry } from '../../domain/duplicate-policy.js';
import { emptyHead, type LedgerHead, type LedgerRow } from '../../domain/ledger.js';
import type { CommitResult, LedgerCommit, LedgerSuffix, LogUpdate } from '../store.js';

type Session = mongoose.mongo.ClientSession | undefined;
type StoredHead = Omit<LedgerHead, 'key' | 'version'>;
type RowDoc = { _id: string; key: string; id: string; row: LedgerRow };
type HeadDoc = { _id: string; version: number; head?: StoredHead };

/** What a commit writes besides ledgers: the store's projection writer, inside the commit's session. */
export interface MongoProjectionWriter {
  /** Writes (or, for null, removes) conversions and moves the rollups by the difference, at once; answers those written otherwise than given. */
  conversions(
    changes: ReadonlyArray<readonly [string, ConversionRecord | null]>,
    session: Session,
  ): Promise<ReadonlyMap<string, ConversionRecord>>;
  entry(entry: PostbackLogEntry, session: Session): Promise<void>;
  logUpdate(update: LogUpdate, session: Session): Promise<void>;
  rejected(entry: PostbackLogEntry, session: Session): Promise<void>;
}

/**
 * Ledger heads (`ledgers`) and rows (`ledger_rows`, one document per entry) in
 * MongoDB, the same model as SQLite's. A batch commits in one transaction: each key's
 * compare-and-set on its head, its rows and its projection land together or not at all.
 */
export function createMongoLedgers(
  db: mongoose.mongo.Db,
  write: MongoProjectionWriter,
  inTransaction: <T>(work: (session: Session) => Promise<T>) => Promise<T>,
) {
  const heads = db.collection<HeadDoc>('ledgers');
  const rows = db.collection<RowDoc>('ledger_rows');
  const meta = db.collection<{ _id: string; value: number }>('meta');
  const rowId = (key: string, id: string): string => `${key}\u0000${id}`;

  const commitOne = async (c: LedgerCommit, session: Session): Promise<ReadonlyMap<string, ConversionRecord> | null> => {
    const { key: _key, version, ...head } = c.head;
    const current = await heads.findOne({ _id: c.key }, { session });
    if ((current?.version ?? 0) !== c.expectedVersion) return null;
    // Read above, written here in the same snapshot: no duplicate-key error to catch (one caught inside a
    // transaction leaves it aborted on the server). A concurrent writer is a write conflict, which
    // withTransaction runs again from the read.
    const moved = await heads.updateOne({ _id: c.key }, { $set: { version, head } }, { upsert: current === null, session });
    if (moved.matchedCount === 0 && moved.upsertedCount === 0) return null;
    if (c.rows.length) {
      await rows.bulkWrite(
        c.rows.map((row) => ({
          replaceOne: {
            filter: { _id: rowId(c.key, row.entry.id) },
            replacement: { _id: rowId(c.key, row.entry.id), key: c.key, id: row.entry.id, row },
            upsert: true,
          },
        })),
        { session },
      );
    }
    if (c.compactBefore) {
      const last = await rows
        .find({ key: c.key, id: { $lt: c.compactBefore } }, { session })
        .sort({ id: -1 })
        .limit(1)
        .next();
      if (last) await heads.updateOne({ _id: c.key }, { $set: { 'head.base': last.row.after } }, { session });
      await rows.deleteMany({ key: c.key, id: { $lt: c.compactBefore } }, { session });
    }
    const kept = await write.conversions([...c.conversions], session);
    for (const entry of c.entries) await write.entry(entry, session);
    for (const update of c.logUpdates) await write.logUpdate(update, session);
    return kept;
  };

  return {
    /** Indexes, and the ledgers of stores from before heads (each key's whole ledger in one document) turned into heads and rows. */
    async prepare(): Promise<void> {
      // Created here, before any transaction: first commits that each created them inside one would conflict.
      for (const name of ['ledgers', 'meta'])
        await db.createCollection(name).catch((err: unknown) => {
          if ((err as { codeName?: string }).codeName !== 'NamespaceExists') throw err;
        });
      await rows.createIndex({ key: 1, id: 1 }, {}, {});
      const old = heads.find({ head: { $exists: false }, entries: { $exists: true } } as never);
      for await (const doc of old) {
        const entries = [...((doc as unknown as { entries?: LedgerEntry[] }).entries ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1));
        let state = EMPTY_FOLD;
        for (const entry of entries) {
          const next = step(state, entry);
          const row: LedgerRow = { entry, outcome: next.outcome, after: next.state };
          await rows.replaceOne({ _id: rowId(doc._id, entry.id) }, { key: doc._id, id: entry.id, row }, { upsert: true });
          state = next.state;
        }
        const head: StoredHead = { lastId: entries[entries.length - 1]?.id ?? null, state, compactedTo: null, base: EMPTY_FOLD };
        await heads.updateOne({ _id: doc._id }, { $set: { head }, $unset: { entries: '' } } as never);
      }
    },
    settingsVersion: async (): Promise<number> => (await meta.findOne({ _id: 'settings_version' }))?.value ?? 0,
    /** Moves the settings version, in the session of the settings write it follows. */
    bumpSettings: async (session: Session): Promise<void> => {
      await meta.updateOne({ _id: 'settings_version' }, { $inc: { value: 1 } }, { upsert: true, session });
    },
    heads: async (keys: readonly string[]): Promise<Map<string, LedgerHead>> => {
      const docs = await heads.find({ _id: { $in: [...keys] } }).toArray();
      const found = new Map(docs.filter((d) => d.head).map((d) => [d._id, { key: d._id, version: d.version, ...(d.head as StoredHead) }]));
      return new Map(keys.map((key) => [key, found.get(key) ?? emptyHead(key)]));
    },
    suffix: async (key: string, fromId: string): Promise<LedgerSuffix> => {
      const previous = await rows
        .find({ key, id: { $lt: fromId } })
        .sort({ id: -1 })
        .limit(1)
        .next();
      const after = await rows
        .find({ key, id: { $gte: fromId } })
        .sort({ id: 1 })
        .toArray();
      return { predecessor: previous?.row ?? null, rows: after.map((d) => d.row) };
    },
    commit: async (commits: LedgerCommit[], rejected: PostbackLogEntry[], expectedSettings: number | null): Promise<CommitResult> => {
      const run = async (session: Session): Promise<CommitResult> => {
        if (expectedSettings !== null && ((await meta.findOne({ _id: 'settings_version' }, { session }))?.value ?? 0) !== expectedSettings)
          return { conflicts: [], settingsChanged: true, kept: new Map() };
        const conflicts: string[] = [];
        const kept = new Map<string, ConversionRecord>();
        for (const c of commits) {
          const written = await commitOne(c, session);
          if (written === null) conflicts.push(c.key);
          else for (const [id, record] of written) kept.set(id, record);
        }
        for (const entry of rejected) await write.rejected(entry, session);
        return { conflicts, settingsChanged: false, kept };
      };
      return inTransaction(run);
    },
  };
}
