import { createMongoStore } from '../../shared/store/mongo/mongo-store.js';
import { storeContract } from './store.contract.js';

const url = process.env.MONGO_URL;

if (url) {
  describe('store contract: MongoDB', () => {
    storeContract(async () => {
      // A database of its own per test, dropped afterwards.
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
    });
  });
} else {
  // Said plainly in the run's output rather than shown as passing or pending tests.
  process.stdout.write('\n  NOTE: store contract: MongoDB was SKIPPED: MONGO_URL is not set (set it to a MongoDB ≥ 6 to run it).\n\n');
}
