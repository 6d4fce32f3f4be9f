import type { Database } from 'better-sqlite3';
import type { SettingsRepo } from '../store.js';

/** A settings collection kept as JSON documents in the `settings` table. */
export function createSqliteSettingsRepo<T>(db: Database, kind: string): SettingsRepo<T> {
  const list = db.prepare<[string], { doc: string }>('SELECT doc FROM settings WHERE kind = ? ORDER BY key');
  const get = db.prepare<[string, string], { doc: string }>('SELECT doc FROM settings WHERE kind = ? AND key = ?');
  const put = db.prepare('INSERT INTO settings (kind, key, doc) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET doc = excluded.doc');
  const del = db.prepare('DELETE FROM settings WHERE kind = ? AND key = ?');
  return {
    list: async () => list.all(kind).map((row) => JSON.parse(row.doc) as T),
    get: async (key) => {
      const row = get.get(kind, key);
      return row ? (JSON.parse(row.doc) as T) : null;
    },
    put: async (key, record) => {
      put.run(kind, key, JSON.stringify(record));
    },
    delete: async (key) => del.run(kind, key).changes > 0,
  };
}
