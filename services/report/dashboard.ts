import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler, Router } from 'express';
import { sessionId, type Sessions } from './session.js';

export const DASHBOARD_PATH = '/admin/queues';

export interface DashboardCredentials {
  apiKey: string;
  /** Basic auth for browsers: this user with this password (the API key unless set). */
  user: string;
  password: string;
}

const same = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The door of the queue dashboard and the API docs: `Authorization: Bearer <API_KEY>`
 * for programs, Basic auth for a browser (which asks for it on the 401), or the
 * console's session cookie, so a person signed in to the console opens them from its
 * menu without a second sign-in. A change made with the cookie must come from a page of
 * this origin (`Sec-Fetch-Site: same-origin`, which browsers set and pages cannot): the
 * dashboard's own scripts send no CSRF token.
 */
export function requireDashboardAuth(
  credentials: DashboardCredentials,
  sessions?: Sessions,
  /** What the 401 says needs credentials. */
  page = 'the queue dashboard',
): RequestHandler {
  const password =
    credentials.password === credentials.apiKey
      ? 'the API key as the password (printed at start and kept in data/api-key unless API_KEY is set)'
      : 'DASHBOARD_PASSWORD as the password';
  const refuse = (res: Parameters<RequestHandler>[1]): void => {
    res.setHeader('WWW-Authenticate', 'Basic realm="convtrack", charset="UTF-8"');
    res.status(401).json({
      error: {
        code: 'AUTH.UNAUTHORIZED',
        message: `${page} ${page.endsWith('s') ? 'need' : 'needs'} credentials: sign in to the console (/), or log in as user "${credentials.user}" with ${password}, or send "Authorization: Bearer <API key>"`,
        details: [],
      },
    });
  };
  return (req, res, next) => {
    const [scheme, value = ''] = (req.headers.authorization ?? '').split(' ');
    if (scheme === 'Bearer' && same(value, credentials.apiKey)) {
      next();
      return;
    }
    const id = req.headers.authorization ? null : sessionId(req);
    if (id && sessions && (SAFE_METHODS.has(req.method) || req.headers['sec-fetch-site'] === 'same-origin')) {
      sessions.touch(id).then((session) => (session ? next() : refuse(res)), next);
      return;
    }
    if (scheme === 'Basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0 && same(decoded.slice(0, colon), credentials.user) && same(decoded.slice(colon + 1), credentials.password)) {
        next();
        return;
      }
    }
    refuse(res);
  };
}

/**
 * bull-board over every queue of the system: jobs per state, and retry of failed ones
 * (one or all), which re-runs the job; the store keeps a re-run from applying twice.
 */
export function dashboardRouter(queues: Queue[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'convtrack queues' } },
  });
  return serverAdapter.getRouter() as Router;
}
