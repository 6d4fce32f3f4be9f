import express, { type Express } from 'express';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { createHttpErrorHandler } from '../../shared/errors/http-error-handler.js';
import { healthRoutes, type ReadinessCheck } from '../../shared/http/health.js';
import { requestId } from '../../shared/http/request-id.js';
import type { Logger } from '../../shared/logging/logger.js';
import { httpMetrics, metricsRoute, type Metrics } from '../../shared/metrics/metrics.js';
import type { ClickJob, PostbackJob } from '../../shared/queue/jobs.js';
import type { CampaignDirectory } from './campaign-directory.js';
import { clickRoute } from './click.route.js';
import type { Enqueue } from './enqueue.js';
import { postbackRoute } from './postback.route.js';
import type { TokenDirectory } from './token-directory.js';
import type { TrustProxy } from '../../shared/config/config.js';

export interface ReceiverDeps {
  enqueuePostback: Enqueue<PostbackJob>;
  enqueueClick: Enqueue<ClickJob>;
  campaigns: CampaignDirectory;
  tokens: TokenDirectory;
  /** Express's `trust proxy`: which hops may set X-Forwarded-For (the client IP for allowlists). */
  trustProxy: TrustProxy;
  readiness: ReadinessCheck[];
  metrics: Metrics;
  logger: Logger;
}

/** The receiver's HTTP app; it never listens by itself. */
export function createReceiverApp(deps: ReceiverDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  app.set('trust proxy', deps.trustProxy);
  app.use(httpMetrics(deps.metrics));
  app.use(requestId());
  // Postbacks first: the hot path should match before any other route is tried.
  app.use(postbackRoute(deps));
  app.use(clickRoute(deps));
  app.use(healthRoutes(deps.readiness, deps.logger));
  app.use(metricsRoute(deps.metrics));
  app.use((req, _res, next) => next(new AppError(ErrorCodes.NOT_FOUND, `no route ${req.method} ${req.path}`, { httpStatus: 404 })));
  app.use(createHttpErrorHandler(deps.logger));
  return app;
}
