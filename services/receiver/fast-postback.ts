import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'node:querystring';
import proxyaddr from 'proxy-addr';
import { errorResponse } from '../../shared/errors/http-error-handler.js';
import { requestIdFrom } from '../../shared/http/request-id.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import type { AcceptPostback } from './accept-postback.js';
import { checked, collect, sendJson } from './postback.route.js';

export interface FastPostbackDeps {
  acceptPostback: AcceptPostback;
  metrics: Metrics;
  logger: Logger;
  /** Express's compiled `trust proxy` function, so the sender's address is the one Express would see. */
  trust: (address: string, hop: number) => boolean;
}

/**
 * `GET /postback` without Express. Networks send postbacks as GETs, thousands a second
 * in a burst, and Express's app, router and middleware stack cost as much as the rest of
 * the request together (bench:ingest: ~4,700 req/s through Express, ~10,500 without).
 * This handler does what the Express route does, through the same acceptor, query
 * parser, request id, metrics and error answer; everything else (POST bodies, HEAD,
 * other paths, `/postback/` and other spellings) goes on to Express. Returns false for
 * a request it does not take.
 */
export function createFastPostback({
  acceptPostback,
  metrics,
  logger,
  trust,
}: FastPostbackDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '';
    const mark = url.indexOf('?');
    if (req.method !== 'GET' || (mark === -1 ? url : url.slice(0, mark)) !== '/postback') return false;
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    const timer = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const status = String(res.statusCode);
      timer({ method: 'GET', route: '/postback', status });
      metrics.postbacksReceived.inc({ code: status });
    });
    // Express's 'simple' query parser is querystring.parse: the same map either way.
    const query = collect(parse(mark === -1 ? '' : url.slice(mark + 1)));
    acceptPostback({ requestId, method: 'GET', ip: proxyaddr(req, trust) }, query.raw, checked(query)).then(
      (answer) => sendJson(res, answer.status, answer.body),
      (err: unknown) => {
        const answer = errorResponse(err, logger, { requestId, method: 'GET', path: '/postback' });
        for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
        sendJson(res, answer.status, answer.body);
      },
    );
    return true;
  };
}
