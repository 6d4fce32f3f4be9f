import { storeFactories } from '../helpers/store-factories.js';
import { storeContract } from './store.contract.js';

const [sqlite] = storeFactories();
if (!sqlite) throw new Error('the SQLite store factory is always there');

describe('store contract: SQLite', () => {
  storeContract(sqlite.make);
});
