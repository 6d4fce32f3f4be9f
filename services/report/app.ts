import express, { Router, type Express } from 'express';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { createHttpErrorHandler } from '../../shared/errors/http-error-handler.js';
import { healthRoutes, type ReadinessCheck } from '../../shared/http/health.js';
import { requestId } from '../../shared/http/request-id.js';
import type { Logger } from '../../shared/logging/logger.js';
import { httpMetrics, metricsRoute, type Metrics } from '../../shared/metrics/metrics.js';
import type { Store } from '../../shared/store/store.js';
import type { Queue } from 'bullmq';
import { requireApiKey } from './auth.js';
import { DASHBOARD_PATH, dashboardRouter, requireDashboardAuth } from './dashboard.js';
import { dashboardGuard } from './dashboard-guard.js';
import type { FxRates } from '../../shared/domain/fx.js';
import { costsRoute, type EnqueueCost, type QueuedState } from './costs.route.js';
import { fxRatesRoute } from './fx-rates.route.js';
import { journeysRoute } from './journeys.route.js';
import { outboundRoute, type RetryDelivery } from './outbound.route.js';
import { logsRoute } from './logs.route.js';
import { docsRouter } from './openapi.js';
import { replayRoute, type EnqueueReplay } from './replay.route.js';
import { reportRoute } from './report.route.js';
import { settingsRoute } from './settings.route.js';
import { refuseUnsafeJson } from './validate.js';

export interface ReportDeps {
  store: Store;
  apiKey: string;
  /** The receiver's public base URL, for `postback_url` and `click_url`. */
  publicUrl: string;
  journeyTypeLimit: number;
  accountCurrency: string;
  /** Rates from FX_RATES_FILE, shown beside those set over the API. */
  fileRates: FxRates;
  /** Today's rates (file and API). */
  rates: () => Promise<FxRates>;
  /** Puts a replay job on the postbacks queue. */
  enqueueReplay: EnqueueReplay;
  enqueueCost: EnqueueCost;
  queuedState: QueuedState;
  retryDelivery: RetryDelivery;
  /** Every queue of the system, for the dashboard. */
  queues: Queue[];
  dashboard: { user: string; password: string };
  readiness: ReadinessCheck[];
  metrics: Metrics;
  logger: Logger;
}

/** The report service's HTTP app: settings, logs and reports under `/api`. */
export function createReportApp(deps: ReportDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(httpMetrics(deps.metrics));
  app.use(requestId());
  app.use(healthRoutes(deps.readiness, deps.logger));
  app.use(metricsRoute(deps.metrics));

  const dashboardAuth = requireDashboardAuth({ apiKey: deps.apiKey, ...deps.dashboard });
  // The docs take Basic auth too, so a browser can open them.
  app.use('/api', docsRouter(dashboardAuth));

  const api = Router();
  api.use(requireApiKey(deps.apiKey));
  api.use(express.json({ limit: '1mb' }), refuseUnsafeJson());
  api.use(settingsRoute(deps));
  api.use(replayRoute(deps.store, deps.enqueueReplay));
  api.use(logsRoute(deps.store));
  api.use(reportRoute(deps.store));
  api.use(journeysRoute(deps.store));
  api.use(costsRoute(deps));
  api.use(fxRatesRoute(deps.store, deps.accountCurrency, deps.fileRates));
  api.use(outboundRoute(deps.store, deps.retryDelivery));
  app.use('/api', api);
  app.use(DASHBOARD_PATH, dashboardAuth, dashboardGuard(), dashboardRouter(deps.queues));

  app.use((req, _res, next) => next(new AppError(ErrorCodes.NOT_FOUND, `no route ${req.method} ${req.path}`, { httpStatus: 404 })));
  app.use(createHttpErrorHandler(deps.logger));
  return app;
}
