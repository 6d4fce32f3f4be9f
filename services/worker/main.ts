import { closeServer, listen } from '../../shared/http/listen.js';
import { onShutdown } from '../../shared/lifecycle/shutdown.js';
import { runService } from '../../shared/lifecycle/run-service.js';
import { createMetrics } from '../../shared/metrics/metrics.js';
import { createRedis } from '../../shared/queue/redis.js';
import { createStore } from '../../shared/store/create-store.js';
import { readRatesFile } from '../../shared/store/fx-rates.js';
import { createWorkerApp } from './app.js';
import { createWorkers } from './workers.js';

runService('worker', async (config, logger) => {
  const connection = createRedis(config.redis.url, 'worker');
  const store = await createStore(config.store);
  const metrics = createMetrics('worker');
  const fileRates = config.fxRatesFile ? readRatesFile(config.fxRatesFile) : {};
  const workers = createWorkers({ connection, store, logger, metrics, config, fileRates });
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
    { name: 'workers', close: () => workers.close() },
    { name: 'redis', close: () => connection.quit() },
    { name: 'store', close: () => store.close() },
  ]);
});
