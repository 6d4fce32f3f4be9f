import { storeFactories } from '../helpers/store-factories.js';
import { storeContract } from './store.contract.js';

const [sqlite] = storeFactories();

describe('store contract: SQLite', () => {
  storeContract(sqlite!.make);
});
