import { join } from 'node:path';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/temp.js';
import { storeContract } from './store.contract.js';

describe('store contract: SQLite', () => {
  storeContract(async () => {
    const dir = tempDir();
    const store = createSqliteStore(join(dir.path, 'store.db'));
    return {
      store,
      dispose: async () => {
        await store.close();
        dir.remove();
      },
    };
  });
});
