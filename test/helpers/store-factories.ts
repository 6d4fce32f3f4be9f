import { join } from 'node:path';
import { createMongoStore } from '../../shared/store/mongo/mongo-store.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { tempDir } from './temp.js';

export interface StoreFactory {
  name: string;
  make: () => Promise<{ store: Store; dispose: () => Promise<void> }>;
}

/**
 * A SQLite store in a temporary directory, opened with `options`; with the column copy,
 * loaded while empty (every later write reaches it by catching up before each aggregate).
 */
export function sqliteStore(options: Parameters<typeof createSqliteStore>[1] = {}): StoreFactory['make'] {
  return async () => {
    const dir = tempDir();
    const store = createSqliteStore(join(dir.path, 'store.db'), options);
    await store.prepareReports?.();
    const dispose = async (): Promise<void> => {
      await store.close();
      dir.remove();
    };
    return { store, dispose };
  };
}

/**
 * The MongoDB URL naming another database. Not `new URL()`: a seed list
 * (`mongodb://a:27017,b:27017/?replicaSet=rs0`) is no WHATWG URL and it throws.
 */
export function mongoUrlWithDatabase(url: string, database: string): string {
  const parts = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(url);
  if (!parts?.[1]) throw new Error(`MONGO_URL is not a mongodb:// or mongodb+srv:// URL: ${url}`);
  return `${parts[1]}/${database}${parts[2] ?? ''}`;
}

/** SQLite always; MongoDB where MONGO_URL is set (the run says so where it is not). */
export function storeFactories(): StoreFactory[] {
  const factories: StoreFactory[] = [{ name: 'SQLite', make: sqliteStore() }];
  const url = process.env.MONGO_URL;
  if (url) {
    factories.push({
      name: 'MongoDB',
      make: async () => {
        const dbUrl = mongoUrlWithDatabase(url, `convtrack_test_${Math.random().toString(36).slice(2, 10)}`);
        const store = await createMongoStore(dbUrl);
        return {
          store,
          dispose: async () => {
            const mongoose = await import('mongoose');
            const connection = await mongoose.default.createConnection(dbUrl).asPromise();
            await connection.dropDatabase();
            await connection.close();
            await store.close();
          },
        };
      },
    });
  }
  return factories;
}
