import { join } from 'node:path';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp.js';
import { storeFactories } from '../helpers/store-factories.js';
import { storeContract } from './store.contract.js';

const [sqlite] = storeFactories();
if (!sqlite) throw new Error('the SQLite store factory is always there');

describe('store contract: SQLite', () => {
  storeContract(sqlite.make);
});

describe('store contract: SQLite, folding the sub rollup log at every change', () => {
  storeContract(() => {
    const dir = tempDir();
    const store = createSqliteStore(join(dir.path, 'store.db'), { foldSubsEvery: 1 });
    return Promise.resolve({
      store,
      dispose: async () => {
        await store.close();
        dir.remove();
      },
    });
  });
});
