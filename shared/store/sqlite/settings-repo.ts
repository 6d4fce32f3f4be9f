import type { Database } from 'better-sqlite3';
import type { SettingsRepo } from '../store.js';

/**
 * A settings collection kept as JSON documents in the `settings` table. Every put or
 * delete moves `settings_version` in `meta` in the same transaction, so a cache that
 * checks the version inside its own transaction never acts on a removed record.
 */
export function createSqliteSettingsRepo<T>(db: Database, kind: string): SettingsRepo<T> {
  const list = db.prepare<[string], { doc: string }>('SELECT doc FROM settings WHERE kind = ? ORDER BY key');
  const get = db.prepare<[string, string], { doc: string }>('SELECT doc FROM settings WHERE kind = ? AND key = ?');
  const put = db.prepare('INSERT INTO settings (kind, key, doc) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET doc = excluded.doc');
  const del = db.prepare('DELETE FROM settings WHERE kind = ? AND key = ?');
  const bump = db.prepare(
    "INSERT INTO meta (key, value) VALUES ('settings_version', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
  );
  const putAndBump = db.transaction((key: string, doc: string) => {
    put.run(kind, key, doc);
    bump.run();
  });
  const deleteAndBump = db.transaction((key: string): boolean => {
    const deleted = del.run(kind, key).changes > 0;
    if (deleted) bump.run();
    return deleted;
  });
  return {
    list: async () => list.all(kind).map((row) => JSON.parse(row.doc) as T),
    get: async (key) => {
      const row = get.get(kind, key);
      return row ? (JSON.parse(row.doc) as T) : null;
    },
    put: async (key, record) => {
      putAndBump.immediate(key, JSON.stringify(record));
    },
    delete: async (key) => deleteAndBump.immediate(key),
  };
}
