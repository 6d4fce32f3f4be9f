import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler, Router } from 'express';

export const DASHBOARD_PATH = '/admin/queues';

export interface DashboardCredentials {
  apiKey: string;
  /** Basic auth for browsers: this user with this password (the API key unless set). */
  user: string;
  password: string;
}

const same = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * The dashboard's door: `Authorization: Bearer <API_KEY>` for programs, Basic auth for
 * a browser (which asks for it on the 401).
 */
export function requireDashboardAuth(credentials: DashboardCredentials): RequestHandler {
  return (req, res, next) => {
    const [scheme, value = ''] = (req.headers.authorization ?? '').split(' ');
    if (scheme === 'Bearer' && same(value, credentials.apiKey)) {
      next();
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
    res.setHeader('WWW-Authenticate', 'Basic realm="convtrack queues", charset="UTF-8"');
    res.status(401).json({
      error: {
        code: 'AUTH.UNAUTHORIZED',
        message: 'the queue dashboard needs Basic auth or "Authorization: Bearer <API_KEY>"',
        details: [],
      },
    });
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
