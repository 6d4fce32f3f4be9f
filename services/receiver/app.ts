import type { RequestListener } from 'node:http';
import express, { type Express } from 'express';
import type { AcceptPostback } from './accept-postback.js';
import { createFastPostback } from './fast-postback.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { createHttpErrorHandler } from '../../shared/errors/http-error-handler.js';
import { healthRoutes, type ReadinessCheck } from '../../shared/http/health.js';
import { requestId } from '../../shared/http/request-id.js';
import type { Logger } from '../../shared/logging/logger.js';
import { httpMetrics, metricsRoute, type Metrics } from '../../shared/metrics/metrics.js';
import type { ClickJob } from '../../shared/queue/jobs.js';
import type { CampaignDirectory } from './campaign-directory.js';
import { clickRoute } from './click.route.js';
import type { Enqueue } from './enqueue.js';
import { postbackRoute } from './postback.route.js';
import type { TrustProxy } from '../../shared/config/config.js';

export interface ReceiverDeps {
  acceptPostback: AcceptPostback;
  enqueueClick: Enqueue<ClickJob>;
  campaigns: CampaignDirectory;
  /** Express's `trust proxy`: which hops may set X-Forwarded-For (the client IP for allowlists). */
  trustProxy: TrustProxy;
  readiness: ReadinessCheck[];
  metrics: Metrics;
  /** What `/metrics` answers: this process's registry, or a cluster's. */
  metricsText?: () => Promise<string>;
  logger: Logger;
}

/**
 * The receiver's HTTP handler; it never listens by itself. `GET /postback` takes the
 * lean path in front of Express (see fast-postback.ts); everything else is the Express
 * app, with the same error format and middleware contract.
 */
export function createReceiverHandler(deps: ReceiverDeps): RequestListener {
  const app = createReceiverApp(deps);
  const fast = createFastPostback({
    acceptPostback: deps.acceptPostback,
    metrics: deps.metrics,
    logger: deps.logger,
    trust: app.get('trust proxy fn') as (address: string, hop: number) => boolean,
  });
  return (req, res) => {
    if (!fast(req, res)) app(req, res);
  };
}

/** The Express app: every route, the postback one included (POST, HEAD and what the lean path passes on). */
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
  app.use(metricsRoute(deps.metrics, deps.metricsText));
  app.use((req, _res, next) => next(new AppError(ErrorCodes.NOT_FOUND, `no route ${req.method} ${req.path}`, { httpStatus: 404 })));
  app.use(createHttpErrorHandler(deps.logger));
  return app;
}
