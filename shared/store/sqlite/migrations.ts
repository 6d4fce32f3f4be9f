import type { Database } from 'better-sqlite3';
import { CHANGES_SCHEMA } from './columns.js';
import { migrateWholeLedgers } from './ledgers.js';
import { migrateRollups } from './rollup-schema.js';
import { RETENTION_SCHEMA } from './retention.js';
import { ADDED_COLUMNS, SCHEMA } from './schema.js';

/** One step of the embedded store's schema. Numbers are stored in files: never renumber, only add. */
export interface Migration {
  version: number;
  name: string;
  /** Runs inside the migration's transaction; must also be right on a file from before numbered migrations (see below). */
  up(db: Database): void;
}

/**
 * The embedded store's schema, step by step. The file records the last step applied
 * in `PRAGMA user_version`. Files written before steps were numbered say 0 yet hold
 * some of the tables, so steps 1 to 5 are written to find what is already there
 * (CREATE … IF NOT EXISTS, columns added only where missing, rollups rebuilt only when
 * their own version is older); from step 6 on a step runs once per file, and is still
 * written to be harmless if run again.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'settings, clicks, conversions, ledgers, postbacks, costs and deliveries', up: (db) => db.exec(SCHEMA) },
  { version: 2, name: 'columns added to those tables since their first release', up: addMissingColumns },
  { version: 3, name: 'rollups, rebuilt from the raw tables when older', up: migrateRollups },
  { version: 4, name: 'ledger heads from whole ledgers', up: migrateWholeLedgers },
  { version: 5, name: 'the row change log the report column copy follows', up: (db) => db.exec(CHANGES_SCHEMA) },
  {
    version: 6,
    name: 'deliveries by state, for the recovery sweep',
    up: (db) => db.exec('CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (state, created_at, id)'),
  },
  { version: 7, name: 'what retention removed, up to when', up: (db) => db.exec(RETENTION_SCHEMA) },
  { version: 8, name: "clicks' country, device, OS, browser and bot, and the cost a click URL carried", up: addMissingColumns },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.reduce((last, m) => Math.max(last, m.version), 0);

const versionOf = (db: Database): number => db.pragma('user_version', { simple: true }) as number;

/**
 * Brings the file to `SCHEMA_VERSION`: every pending step and the new version in one
 * `BEGIN IMMEDIATE` transaction, so processes opening one file at once (receiver,
 * worker, report service, a second worker) take turns: the first migrates, the others
 * wait for its lock, then find nothing left to do. A step that fails leaves the file as
 * it was. A file from a newer convtrack is refused rather than written with old rules.
 * Resolves with the version found and the version left.
 */
export function migrate(db: Database): { from: number; to: number } {
  const found = versionOf(db);
  if (found > SCHEMA_VERSION)
    throw new Error(
      `the store file has schema version ${String(found)}, newer than this convtrack's ${String(SCHEMA_VERSION)}: upgrade convtrack`,
    );
  if (found === SCHEMA_VERSION) return { from: found, to: found };
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      db.transaction(() => {
        const from = versionOf(db);
        for (const step of MIGRATIONS) if (step.version > from) step.up(db);
        db.pragma(`user_version = ${String(SCHEMA_VERSION)}`);
      }).immediate();
      return { from: found, to: SCHEMA_VERSION };
    } catch (err) {
      // Another process holds the write lock past busy_timeout (a long rollup rebuild): wait for it.
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
      Atomics.wait(pause, 0, 0, 200);
    }
  }
}

/** Adds the columns newer versions added to tables an older version created. */
function addMissingColumns(db: Database): void {
  for (const [table, columns] of Object.entries(ADDED_COLUMNS)) {
    const present = new Set(
      db
        .prepare<[], { name: string }>(`PRAGMA table_info(${table})`)
        .all()
        .map((c) => c.name),
    );
    for (const [column, type] of Object.entries(columns))
      if (!present.has(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}
