import type { RequestListener } from 'node:http';
import express, { type Express } from 'express';
import type { AcceptPostback } from './accept-postback.js';
import type { AcceptClick } from './accept-click.js';
import { createFastClick } from './fast-click.js';
import { createFastPostback } from './fast-postback.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { createHttpErrorHandler } from '../../shared/errors/http-error-handler.js';
import { healthRoutes, type ReadinessCheck } from '../../shared/http/health.js';
import { requestId } from '../../shared/http/request-id.js';
import type { Logger } from '../../shared/logging/logger.js';
import { httpMetrics, metricsRoute, type Metrics } from '../../shared/metrics/metrics.js';
import type { CampaignDirectory } from './campaign-directory.js';
import { clickRoute } from './click.route.js';
import { postbackRoute } from './postback.route.js';
import type { TrustProxy } from '../../shared/config/config.js';

export interface ReceiverDeps {
  acceptPostback: AcceptPostback;
  acceptClick: AcceptClick;
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
 * The receiver's HTTP handler; it never listens by itself. `GET /postback` and
 * `GET /click/<id>`, the two requests that come by the thousand, take lean paths in
 * front of Express (fast-postback.ts, fast-click.ts); everything else is the Express
 * app, with the same error format and middleware contract.
 */
export function createReceiverHandler(deps: ReceiverDeps): RequestListener {
  const app = createReceiverApp(deps);
  const lean = {
    metrics: deps.metrics,
    logger: deps.logger,
    trust: app.get('trust proxy fn') as (address: string, hop: number) => boolean,
  };
  const postback = createFastPostback({ ...lean, acceptPostback: deps.acceptPostback });
  const click = createFastClick({ ...lean, acceptClick: deps.acceptClick });
  return (req, res) => {
    if (!postback(req, res) && !click(req, res)) app(req, res);
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
