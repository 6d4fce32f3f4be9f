import { closeServer, listen } from '../../shared/http/listen.js';
import { onShutdown } from '../../shared/lifecycle/shutdown.js';
import { runService } from '../../shared/lifecycle/run-service.js';
import { createRedisLock } from '../../shared/locking/redis-lock.js';
import { createMetrics } from '../../shared/metrics/metrics.js';
import { createRedis } from '../../shared/queue/redis.js';
import { createStore } from '../../shared/store/create-store.js';
import { createWorkerApp } from './app.js';
import { createClickWorker } from './click.worker.js';
import { createPostbackWorker } from './postback.worker.js';

/** A postback's read-decide-write takes milliseconds; the TTL only matters if a worker dies holding it. */
const LOCK_OPTIONS = { ttlMs: 30_000, waitMs: 20_000 };

runService('worker', async (config, logger) => {
  const connection = createRedis(config.redis.url, 'worker');
  const store = await createStore(config.store);
  const metrics = createMetrics('worker');
  const common = { metrics, connection, prefix: config.redis.queuePrefix, concurrency: config.worker.concurrency, jobLockMs: config.worker.jobLockMs, store, logger };
  const clicks = createClickWorker(common);
  const withLock = createRedisLock(connection, config.redis.queuePrefix, LOCK_OPTIONS);
  const postbacks = createPostbackWorker({ ...common, rules: config.rules, withLock });
  for (const worker of [clicks, postbacks]) {
    worker.on('failed', (job, err) => logger.warn('job failed', { queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: err.message }));
    worker.on('error', (err) => logger.error('worker error', { queue: worker.name, err: err.message }));
  }
  const server = await listen(
    createWorkerApp([
      { name: 'redis', check: () => connection.ping() },
      { name: 'store', check: () => store.ping() },
    ], metrics),
    config.worker.port,
  );
  logger.info('worker started', { store: store.kind, concurrency: config.worker.concurrency, port: config.worker.port });
  onShutdown(logger, config.shutdownTimeoutMs, [
    { name: 'http', close: () => closeServer(server) },
    // Worker.close() waits for the jobs in flight to finish.
    { name: 'workers', close: () => Promise.all([clicks.close(), postbacks.close()]) },
    { name: 'redis', close: () => connection.quit() },
    { name: 'store', close: () => store.close() },
  ]);
});
