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

/** SQLite always; MongoDB where MONGO_URL is set (the run says so where it is not). */
export function storeFactories(): StoreFactory[] {
  const factories: StoreFactory[] = [{ name: 'SQLite', make: sqliteStore() }];
  const url = process.env.MONGO_URL;
  if (url) {
    factories.push({
      name: 'MongoDB',
      make: async () => {
        const dbUrl = new URL(url);
        dbUrl.pathname = `/convtrack_test_${Math.random().toString(36).slice(2, 10)}`;
        const store = await createMongoStore(dbUrl.toString());
        return {
          store,
          dispose: async () => {
            const mongoose = await import('mongoose');
            const connection = await mongoose.default.createConnection(dbUrl.toString()).asPromise();
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
