import type { RequestHandler } from 'express';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { notFound } from './http.js';

/** Every job id convtrack makes starts with one of its ids: a postback, click or cost id, a delivery `<conversion>-<status>`. */
const JOB_ID = '[0-9A-HJKMNP-TV-Z]{26}(?:-[A-Za-z0-9-]{1,60})?';
const QUEUE = '[^/]+';

/** bull-board's reads under `/api/queues/:queue/` that are not about one job. */
const QUEUE_READS = new Set(['metrics', 'default-job-options', 'workers', 'rate-limit', 'job-data-schema', 'job-schedulers']);

/**
 * The only actions the dashboard may take besides reading, each one that cannot drop,
 * forge or postpone acknowledged work: pause and resume (all queues or one), retry
 * (failed or completed jobs, one or all: the store makes a re-run harmless), promote a
 * delayed job (it runs sooner, never later), and clean completed jobs (the store's logs
 * are the record, completed jobs only a view).
 */
export const DASHBOARD_ACTIONS: ReadonlyArray<{ method: string; path: RegExp; what: string }> = [
  { method: 'PUT', path: /^\/api\/queues\/(pause|resume)$/, what: 'pause or resume every queue' },
  { method: 'PUT', path: new RegExp(`^/api/queues/${QUEUE}/(pause|resume)$`), what: 'pause or resume a queue' },
  { method: 'PUT', path: new RegExp(`^/api/queues/${QUEUE}/retry/(failed|completed)$`), what: 'retry every failed (or completed) job' },
  { method: 'PUT', path: new RegExp(`^/api/queues/${QUEUE}/promote$`), what: 'run every delayed job now' },
  { method: 'PUT', path: new RegExp(`^/api/queues/${QUEUE}/clean/completed$`), what: 'clean completed jobs' },
  { method: 'PUT', path: new RegExp(`^/api/queues/${QUEUE}/${JOB_ID}/(retry|promote)$`), what: 'retry or promote one job' },
];

const isRead = (method: string): boolean => method === 'GET' || method === 'HEAD';

/**
 * In front of bull-board, failing closed: reads pass, the actions in
 * `DASHBOARD_ACTIONS` pass, and every other request is 403, whatever bull-board adds
 * in a later version: a postback once acknowledged is applied or logged, never
 * dropped (remove, clean, empty, obliterate), forged (add, edit data) or put off
 * (delay, priority, rate limit, concurrency, schedulers). A job id that is not one of
 * ours names one of BullMQ's own keys (`meta`, `events`, `id`…): bull-board would read
 * that key as if it were a job, so it is a 404.
 */
export function dashboardGuard(): RequestHandler {
  return (req, _res, next) => {
    const parts = req.path.split('/').filter(Boolean);
    if (isRead(req.method)) {
      const [api, queues, , second] = parts;
      const aboutAJob = api === 'api' && queues === 'queues' && second !== undefined && !QUEUE_READS.has(second);
      if (aboutAJob && !new RegExp(`^${JOB_ID}$`).test(second)) next(notFound(`no job ${second.slice(0, 64)}`));
      else next();
      return;
    }
    if (DASHBOARD_ACTIONS.some((a) => a.method === req.method && a.path.test(req.path))) {
      next();
      return;
    }
    next(
      new AppError(
        ErrorCodes.FORBIDDEN,
        `the dashboard only reads, retries, promotes, pauses and resumes queues and cleans completed jobs (${req.method} ${req.path.slice(0, 200)} is none of them): queued postbacks are acknowledged and must be applied or logged`,
        { httpStatus: 403 },
      ),
    );
  };
}
