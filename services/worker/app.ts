import express, { type Express } from 'express';
import { healthRoutes, type ReadinessCheck } from '../../shared/http/health.js';
import type { Logger } from '../../shared/logging/logger.js';
import { metricsRoute, type Metrics } from '../../shared/metrics/metrics.js';

/** The worker has no API; it answers /healthz and /readyz for orchestrators. */
export function createWorkerApp(readiness: ReadinessCheck[], metrics: Metrics, logger?: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(readiness, logger));
  app.use(metricsRoute(metrics));
  return app;
}
