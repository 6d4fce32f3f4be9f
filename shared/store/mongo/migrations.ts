import type { Db } from 'mongodb';

/** One step of the MongoDB store's setup. Numbers are stored: never renumber, only add. */
export interface MongoMigration {
  version: number;
  name: string;
  /** Idempotent: a process that died mid-step runs it again. */
  up(): Promise<void>;
}

interface MigrationDoc {
  _id: number | 'lock';
  name?: string;
  applied_at?: Date;
  until?: Date;
  holder?: string;
}

/** How long one process may hold the migration lock before another may take it (a process that died). */
const LOCK_MS = 10 * 60_000;

/**
 * Runs the steps not recorded in the `migrations` collection, in order, recording each
 * (`{ _id: version, name, applied_at }`). Processes starting together take turns on a
 * lock document, so a long step (the rollup rebuild) runs once, not in every process.
 */
export async function runMongoMigrations(db: Db, steps: readonly MongoMigration[]): Promise<void> {
  const migrations = db.collection<MigrationDoc>('migrations');
  const pending = async (): Promise<MongoMigration[]> => {
    const done = new Set((await migrations.find({ _id: { $ne: 'lock' } }).toArray()).map((d) => d._id));
    return steps.filter((s) => !done.has(s.version));
  };
  if ((await pending()).length === 0) return;
  const holder = `${String(process.pid)}-${String(Math.random())}`;
  for (;;) {
    const now = new Date();
    try {
      // Take the lock if nobody holds it or its holder's time ran out.
      await migrations.updateOne(
        { _id: 'lock', $or: [{ until: { $lt: now } }, { until: { $exists: false } }] },
        { $set: { until: new Date(now.getTime() + LOCK_MS), holder } },
        { upsert: true },
      );
    } catch (err) {
      // The lock exists and is held (the upsert met its _id): wait for it.
      if ((err as { code?: number }).code !== 11000) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
      if ((await pending()).length === 0) return;
      continue;
    }
    try {
      for (const step of await pending()) {
        await step.up();
        await migrations.updateOne({ _id: step.version }, { $setOnInsert: { name: step.name, applied_at: new Date() } }, { upsert: true });
      }
      return;
    } finally {
      await migrations.deleteOne({ _id: 'lock', holder });
    }
  }
}
