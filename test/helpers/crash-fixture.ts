import { join } from 'node:path';
import { DUPLICATE_MODES } from '../../shared/domain/duplicate-modes.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { startReceiver, type ReceiverHarness } from './receiver-harness.js';
import { testRedisUrl } from './root-hooks.js';
import { seedCampaign, type Seeded } from './seed.js';
import { tempDir } from './temp.js';
import { workerProcesses, type WorkerProcesses } from './worker-processes.js';

export interface CrashFixture {
  dir: ReturnType<typeof tempDir>;
  store: Store;
  receiver: ReceiverHarness;
  workers: WorkerProcesses;
  seeded: Seeded;
}

/**
 * Mocha hooks for the crash tests: real worker processes (two, concurrency 8, a short
 * job lock so a killed one's jobs come back fast) on one SQLite file, fed by the
 * receiver, with one campaign and one conversion type per duplicate mode, named after it.
 */
export function crashFixture(): CrashFixture {
  const state = {} as CrashFixture;
  before(async function () {
    this.timeout(60_000);
    state.dir = tempDir();
    const sqlitePath = join(state.dir.path, 'store.db');
    state.store = createSqliteStore(sqlitePath);
    state.seeded = await seedCampaign(state.store);
    for (const mode of DUPLICATE_MODES) {
      await state.store.conversionTypes.put(mode, {
        name: mode,
        duplicate_mode: mode,
        journey: false,
        send_to_channel: false,
        created_at: 1,
      });
    }
    state.receiver = await startReceiver(testRedisUrl(), state.store);
    state.workers = workerProcesses(2, {
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: state.receiver.prefix,
      SQLITE_PATH: sqlitePath,
      DATA_DIR: state.dir.path,
      WORKER_CONCURRENCY: '8',
      JOB_LOCK_MS: '1500',
    });
    await Promise.all([state.workers.start(0), state.workers.start(1)]);
  });
  after(async function () {
    this.timeout(30_000);
    await state.workers.stopAll();
    await state.receiver.close();
    await state.store.close();
    state.dir.remove();
  });
  return state;
}
