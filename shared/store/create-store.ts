import type { Config } from '../config/config.js';
import { createMongoStore } from './mongo/mongo-store.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/**
 * MongoDB when `MONGO_URL` is set, else the embedded SQLite file. The report service
 * (`forReports`) keeps the embedded store's column copy when the config allows it.
 */
export async function createStore(config: Config['store'], forReports = false): Promise<Store> {
  return config.mongoUrl
    ? createMongoStore(config.mongoUrl)
    : createSqliteStore(config.sqlitePath, { columnCopy: forReports && config.columnCopy });
}
