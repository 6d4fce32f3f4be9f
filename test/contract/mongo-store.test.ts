import { storeFactories } from '../helpers/store-factories.js';
import { storeContract } from './store.contract.js';

const mongo = storeFactories().find((f) => f.name === 'MongoDB');

if (mongo) {
  describe('store contract: MongoDB', () => {
    storeContract(mongo.make);
  });
} else {
  // Said plainly in the run's output rather than shown as passing or pending tests.
  process.stdout.write(
    '\n  NOTE: MongoDB suites were SKIPPED (store contract, duplicate modes): MONGO_URL is not set (set it to a MongoDB >= 6 replica set, e.g. mongodb://127.0.0.1:27017/?replicaSet=rs0, to run them).\n\n',
  );
}
