import { join } from 'node:path';
import type { Config } from '../../shared/config/config.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { startReceiver, type ReceiverHarness } from './receiver-harness.js';
import { startReport } from './report-harness.js';
import { testRedisUrl } from './root-hooks.js';
import { tempDir } from './temp.js';
import { startWorkers, type WorkerHarness, type WorkerOptions } from './worker-harness.js';

/** Receiver, workers and report service on one SQLite file and one queue prefix. */
export interface Pipeline {
  dir: ReturnType<typeof tempDir>;
  storePath: string;
  store: Store;
  receiver: ReceiverHarness;
  workers: WorkerHarness;
  report: Awaited<ReturnType<typeof startReport>>;
  close(): Promise<void>;
}

export async function startPipeline(rules: Partial<Config['rules']> = {}, options: WorkerOptions = {}): Promise<Pipeline> {
  const dir = tempDir();
  const storePath = join(dir.path, 'store.db');
  const store = createSqliteStore(storePath);
  const receiver = await startReceiver(testRedisUrl(), store);
  const workers = startWorkers(testRedisUrl(), receiver.prefix, store, rules, options);
  const report = await startReport(testRedisUrl(), receiver.prefix, store, {
    rules,
    outbound: options.outbound,
    fileRates: options.fileRates,
  });
  return {
    dir,
    storePath,
    store,
    receiver,
    workers,
    report,
    close: async () => {
      await report.close();
      await workers.close();
      await receiver.close();
      await store.close();
      dir.remove();
    },
  };
}
