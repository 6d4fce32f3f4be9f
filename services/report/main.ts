import { boundPort, closeServer, listen } from '../../shared/http/listen.js';
import { onShutdown } from '../../shared/lifecycle/shutdown.js';
import { runService } from '../../shared/lifecycle/run-service.js';
import { createMetrics, watchQueues } from '../../shared/metrics/metrics.js';
import { openRedis } from '../../shared/queue/connect.js';
import { createStore } from '../../shared/store/create-store.js';
import { resolveApiKey } from './api-key.js';
import { readRatesFile } from '../../shared/store/fx-rates.js';
import { createReportService } from './report-service.js';
import { errorFields } from '../../shared/logging/error-fields.js';

runService('report', async (config, logger) => {
  const redis = await openRedis(config, 'producer', logger);
  const store = await createStore(config.store, true);
  if (store.prepareReports) {
    const started = Date.now();
    store.prepareReports().then(
      () => logger.info('report column copy loaded', { ms: Date.now() - started }),
      (err: unknown) => logger.warn('report column copy failed to load; reports read SQL', { err: errorFields(err) }),
    );
  }
  const apiKey = resolveApiKey(config);
  if (apiKey.file) {
    logger.info(apiKey.generated ? 'API key generated for local use' : 'API key read from its file', { file: apiKey.file });
    const login = config.report.dashboardPassword ? 'DASHBOARD_PASSWORD' : 'this key';
    process.stdout.write(
      `\n  convtrack API key (kept in ${apiKey.file}): ${apiKey.key}\n  use it as: Authorization: Bearer ${apiKey.key}\n` +
        `  the console signs in with it; the API docs and the queue dashboard take user "${config.report.dashboardUser}" with ${login} as the password\n\n`,
    );
  }
  const metrics = createMetrics('report');
  const service = createReportService({
    store,
    redis,
    apiKey: apiKey.key,
    config: { ...config, dashboard: { user: config.report.dashboardUser, password: config.report.dashboardPassword ?? apiKey.key } },
    fileRates: config.fxRatesFile ? readRatesFile(config.fxRatesFile) : {},
    sessionTimes: config.report.session,
    metrics,
    readiness: [
      { name: 'redis', check: () => redis.ping() },
      { name: 'store', check: () => store.ping() },
    ],
    logger,
  });
  watchQueues(metrics, service.queues);
  const server = await listen(service.app, config.report.port);
  onShutdown(logger, config.shutdownTimeoutMs, [
    { name: 'http', close: () => closeServer(server) },
    { name: 'queues', close: () => service.close() },
    { name: 'redis', close: () => redis.quit() },
    { name: 'store', close: () => store.close() },
  ]);
  // Said once the signal handlers are in place: whoever waits for this line may stop us.
  logger.info('report service listening', { port: boundPort(server), store: store.kind });
  process.stdout.write(`\n  convtrack console: http://localhost:${String(boundPort(server))}/  (sign in with the API key)\n\n`);
});
