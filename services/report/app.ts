import express, { Router, type Express } from 'express';
import { createHttpErrorHandler } from '../../shared/errors/http-error-handler.js';
import { healthRoutes, type ReadinessCheck } from '../../shared/http/health.js';
import { requestId } from '../../shared/http/request-id.js';
import type { Logger } from '../../shared/logging/logger.js';
import { httpMetrics, metricsRoute, type Metrics } from '../../shared/metrics/metrics.js';
import type { Store } from '../../shared/store/store.js';
import type { Queue } from 'bullmq';
import { DASHBOARD_PATH, dashboardRouter, requireDashboardAuth } from './dashboard.js';
import { dashboardGuard } from './dashboard-guard.js';
import { apiRoutes, type ApiDeps } from './api-routes.js';
import { notFound } from './http.js';
import { docsRouter } from './openapi.js';
import { mountRoutes, type ApiRoute } from './route-table.js';
import { refuseUnsafeJson } from './validate.js';
import { requireCredentials, type Sessions } from './session.js';
import { sessionRoutes } from './session.route.js';
import { consoleRouter } from '../console/console-router.js';

export interface ReportDeps extends ApiDeps {
  store: Store;
  apiKey: string;
  /** The console's sign-in sessions. */
  sessions: Sessions;
  /** Every queue of the system, for the dashboard. */
  queues: Queue[];
  dashboard: { user: string; password: string };
  readiness: ReadinessCheck[];
  metrics: Metrics;
  logger: Logger;
}

/**
 * The report service's HTTP app: the route table under `/api` (settings, logs,
 * reports…, the console's sign-in), its OpenAPI docs, the queue dashboard, and the
 * console at `/`, the API's first client. `routes` is the table; a test may
 * pass one with a route added.
 */
export function createReportApp(deps: ReportDeps, tableRoutes: ApiRoute[] = apiRoutes(deps)): Express {
  const routes = [...sessionRoutes(deps), ...tableRoutes];
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(httpMetrics(deps.metrics));
  app.use(requestId());
  app.use(healthRoutes(deps.readiness, deps.logger));
  app.use(metricsRoute(deps.metrics));

  const credentials = requireCredentials(deps.apiKey, deps.sessions);
  // Express answers OPTIONS itself with the methods a path has: behind the key like every other method.
  app.use('/api', (req, res, next) => (req.method === 'OPTIONS' ? credentials(req, res, next) : next()));
  const dashboardAuth = requireDashboardAuth({ apiKey: deps.apiKey, ...deps.dashboard }, deps.sessions);
  // The docs take Basic auth too, so a browser can open them.
  app.use('/api', docsRouter(requireDashboardAuth({ apiKey: deps.apiKey, ...deps.dashboard }, deps.sessions, 'the API docs'), routes));

  const api = Router();
  api.use(
    mountRoutes(routes, { 'api-key': credentials, none: (_req, _res, next) => next() }, [
      express.json({ limit: '1mb' }),
      refuseUnsafeJson(),
    ]),
  );
  // A path no route serves still asks for the key first: without it, nothing about the API is told.
  api.use(credentials);
  app.use('/api', api);
  app.use(DASHBOARD_PATH, dashboardAuth, dashboardGuard(), dashboardRouter(deps.queues));
  app.use(consoleRouter({ receiverUrl: deps.publicUrl }));

  app.use((req, _res, next) => {
    next(notFound(`no route ${req.method} ${req.path}`));
  });
  app.use(createHttpErrorHandler(deps.logger));
  return app;
}
