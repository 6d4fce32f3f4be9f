import { boundPort, closeServer, listenInRange } from '../../shared/http/listen.js';
import { onShutdown } from '../../shared/lifecycle/shutdown.js';
import { runService } from '../../shared/lifecycle/run-service.js';
import { createMetrics } from '../../shared/metrics/metrics.js';
import { openRedis } from '../../shared/queue/connect.js';
import { createStore } from '../../shared/store/create-store.js';
import { readRatesFile } from '../../shared/store/fx-rates.js';
import { createWorkerApp } from './app.js';
import { openTraits } from './click-traits.js';
import { createWorkers } from './workers.js';

runService('worker', async (config, logger) => {
  const connection = await openRedis(config, 'worker', logger);
  const store = await createStore(config.store);
  const metrics = createMetrics('worker');
  const fileRates = config.fxRatesFile ? readRatesFile(config.fxRatesFile) : {};
  // Opened before any job is taken: a GEOIP_DB that is not an MMDB file stops the start here, saying so.
  const deriveTraits = await openTraits(config.worker.geoipDb).catch((err: unknown) => {
    throw new Error(`GEOIP_DB: cannot open ${config.worker.geoipDb ?? 'the bundled IP database'} as an MMDB file`, { cause: err });
  });
  const workers = createWorkers({ connection, store, logger, metrics, config, fileRates, deriveTraits, autorun: false });
  const readiness = [
    { name: 'redis', check: () => connection.ping() },
    { name: 'store', check: () => store.ping() },
  ];
  // Listen first: when every port of WORKER_PORT is taken (by other workers on this host),
  // the process must fail before its workers take jobs they would then leave stalled.
  const server = await listenInRange(createWorkerApp(readiness, metrics, logger), config.worker.ports);
  workers.run();
  onShutdown(logger, config.shutdownTimeoutMs, [
    { name: 'http', close: () => closeServer(server) },
    // Worker.close() waits for the jobs in flight to finish.
    { name: 'workers', close: () => workers.close() },
    { name: 'redis', close: () => connection.quit() },
    { name: 'store', close: () => store.close() },
  ]);
  // Said once the signal handlers are in place: whoever waits for this line may stop us.
  logger.info('worker started', { store: store.kind, concurrency: config.worker.concurrency, port: boundPort(server) });
});
