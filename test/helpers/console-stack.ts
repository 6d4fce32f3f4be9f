import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { startReceiver, type ReceiverHarness } from './receiver-harness.js';
import { startReport } from './report-harness.js';
import { testRedisUrl } from './root-hooks.js';
import { tempDir } from './temp.js';
import { startWorkers, type WorkerHarness } from './worker-harness.js';

/** Receiver, workers and report service listening on real ports, as a browser reaches them after `npm start`. */
export interface ConsoleStack {
  store: Store;
  receiverUrl: string;
  consoleUrl: string;
  workers: WorkerHarness;
  receiver: ReceiverHarness;
  close(): Promise<void>;
}

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}`)),
  );
const closed = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export async function startConsoleStack(): Promise<ConsoleStack> {
  const dir = tempDir();
  const store = createSqliteStore(join(dir.path, 'store.db'));
  const receiver = await startReceiver(testRedisUrl(), store);
  const receiverServer = createServer(receiver.app);
  const receiverUrl = await listen(receiverServer);
  const workers = startWorkers(testRedisUrl(), receiver.prefix, store, { journeyTypeLimit: 2 });
  const report = await startReport(testRedisUrl(), receiver.prefix, store, { publicUrl: receiverUrl, rules: { journeyTypeLimit: 2 } });
  const reportServer = createServer(report.app);
  const consoleUrl = await listen(reportServer);
  return {
    store,
    receiverUrl,
    consoleUrl,
    workers,
    receiver,
    close: async () => {
      await closed(reportServer);
      await closed(receiverServer);
      await report.close();
      await workers.close();
      await receiver.close();
      await store.close();
      dir.remove();
    },
  };
}
