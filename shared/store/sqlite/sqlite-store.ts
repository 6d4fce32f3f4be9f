import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { Store } from '../store.js';
import { aggregate } from './aggregate.js';
import { createSqliteClicks } from './clicks.js';
import { createColumnCopy, type ColumnCopy } from './columns.js';
import { createSqliteConversions } from './conversions.js';
import { createSqliteCosts } from './costs.js';
import { createSqliteDeliveries } from './deliveries.js';
import { createSqlitePostbackLog } from './postback-log.js';
import { createSqliteRetention } from './retention.js';
import { createQueries } from './queries.js';
import { createRollups } from './rollups.js';
import { migrate } from './migrations.js';
import { createSqliteSettingsRepo } from './settings-repo.js';

/**
 * The embedded store: one SQLite file in WAL mode, shared by the processes of one
 * machine (the worker writes; the receiver and report service mostly read). One
 * repository per aggregate, each in its own file, composed here.
 */
export function createSqliteStore(
  path: string,
  /** `columnCopy`: keep the report column copy (true), or this engine in its place (a benchmark's comparator). */
  options: { foldSubsEvery?: number; columnCopy?: boolean | ((db: Database) => ColumnCopy) } = {},
): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  // First: processes opening a new file together wait for each other from the first statement on.
  db.pragma('busy_timeout = 5000');
  useWal(db);
  // FULL: a write the worker has acknowledged to BullMQ survives an OS crash too.
  db.pragma('synchronous = FULL');
  // Checkpoint every ~40 MB of WAL instead of 4 MB: under a burst the worker's commits
  // spent much of their time copying pages back; bench:drain 4,235/s -> 5,336/s.
  db.pragma('wal_autocheckpoint = 10000');
  migrate(db);
  const rollups = createRollups(db, options.foldSubsEvery);
  const copy = typeof options.columnCopy === 'function' ? options.columnCopy(db) : options.columnCopy ? createColumnCopy(db) : null;
  const queries = createQueries(db);

  return {
    kind: 'sqlite',
    offerSources: createSqliteSettingsRepo(db, 'offer_source'),
    offers: createSqliteSettingsRepo(db, 'offer'),
    trafficChannels: createSqliteSettingsRepo(db, 'traffic_channel'),
    campaigns: createSqliteSettingsRepo(db, 'campaign'),
    conversionTypes: createSqliteSettingsRepo(db, 'conversion_type'),
    fxRates: createSqliteSettingsRepo(db, 'fx_rates'),
    ...createSqliteClicks(db, rollups, queries),
    ...createSqlitePostbackLog(db, rollups, queries),
    ...createSqliteConversions(db, queries),
    ...createSqliteCosts(db, rollups, queries),
    ...createSqliteDeliveries(db, queries),
    ...createSqliteRetention(db),
    aggregateClicks: async (groupBy, range, filters, options) => aggregate(db, copy, 'clicks', groupBy, range, filters, options),
    aggregateConversions: async (groupBy, range, filters, options) => aggregate(db, copy, 'conversions', groupBy, range, filters, options),
    ...(copy ? { prepareReports: () => copy.load() } : {}),
    ping: async () => {
      db.prepare('SELECT 1').get();
    },
    close: async () => {
      rollups.close();
      copy?.close();
      db.close();
    },
  };
}

/**
 * WAL mode, kept by the file once set. Switching a file to it (a new file, or one an
 * older release left in rollback mode) needs the file to itself: when processes open
 * it together, SQLite may answer SQLITE_BUSY at once rather than wait (its busy
 * handler is not called where waiting could deadlock), so the switch is tried again.
 */
function useWal(db: BetterSqlite3.Database): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const until = Date.now() + 30_000; ;) {
    try {
      // An in-memory database (tests) keeps its own mode.
      if (['wal', 'memory'].includes(String(db.pragma('journal_mode = WAL', { simple: true })))) return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > until) throw err;
    }
    if (Date.now() > until) throw new Error('the store file could not be switched to WAL mode within 30 s');
    Atomics.wait(pause, 0, 0, 20 + Math.random() * 30);
  }
}
