import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'node:querystring';
import encodeUrl from 'encodeurl';
import proxyaddr from 'proxy-addr';
import { errorResponse } from '../../shared/errors/http-error-handler.js';
import { requestIdFrom } from '../../shared/http/request-id.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import type { AcceptClick } from './accept-click.js';
import { sendJson } from './postback.route.js';

export interface FastClickDeps {
  acceptClick: AcceptClick;
  metrics: Metrics;
  logger: Logger;
  /** Express's compiled `trust proxy` function, so the visitor's address is the one Express would see. */
  trust: (address: string, hop: number) => boolean;
}

const PREFIX = '/click/';
const ROUTE = '/click/:campaignId';

/**
 * `GET /click/<campaignId>` without Express: a visitor waits for this redirect, and
 * clicks come 20 to 100 for each conversion. Through Express, a click spent about 14%
 * of the receiver's CPU in Express itself (app, router, `res.redirect`'s content
 * negotiation) and 16% more in one BullMQ add per click (docs/benchmarks.md, bench:ingest);
 * this path skips the first, and `coalesce.ts` shares the second among a burst's clicks.
 * It answers as the Express route does, through the same acceptor, query parser,
 * request id, metrics and error answer, with a redirect of the same shape (`Location`
 * encoded as Express encodes it, the short body Express writes for HTML or for text).
 * HEAD, other spellings and other paths go on to Express. Returns false for a request
 * it does not take.
 */
export function createFastClick({
  acceptClick,
  metrics,
  logger,
  trust,
}: FastClickDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith(PREFIX)) return false;
    const mark = url.indexOf('?');
    const rawId = mark === -1 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, mark);
    if (rawId === '' || rawId.includes('/')) return false;
    let campaignId: string;
    try {
      campaignId = decodeURIComponent(rawId);
    } catch {
      return false; // Express answers a malformed escape
    }
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    const timer = metrics.httpDuration.startTimer();
    res.once('finish', () => timer({ method: 'GET', route: ROUTE, status: String(res.statusCode) }));
    const query = parse(mark === -1 ? '' : url.slice(mark + 1));
    acceptClick({ campaignId, query, ip: proxyaddr(req, trust), userAgent: req.headers['user-agent'], requestId }).then(
      (location) => redirect(req, res, location),
      (err: unknown) => {
        const answer = errorResponse(err, logger, { requestId, method: 'GET', path: url.slice(0, mark === -1 ? url.length : mark) });
        for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
        sendJson(res, answer.status, answer.body);
      },
    );
    return true;
  };
}

/** A 302 as Express's `res.redirect` writes one: the HTML body to a browser, text to anything else. */
function redirect(req: IncomingMessage, res: ServerResponse, location: string): void {
  const address = encodeUrl(location);
  const html = (req.headers.accept ?? '').includes('text/html');
  const body = html
    ? `<!DOCTYPE html><head><title>Found</title></head><body><p>Found. Redirecting to ${escapeHtml(address)}</p></body>`
    : `Found. Redirecting to ${address}`;
  res
    .writeHead(302, {
      location: address,
      vary: 'Accept',
      'content-type': html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    .end(body);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}
