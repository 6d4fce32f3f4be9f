import type { RequestHandler } from 'express';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { notFound } from './http.js';

/** bull-board's queue-level actions: the word after `/api/queues/:queue/` that is not a job id. */
const QUEUE_ACTIONS = new Set([
  'add',
  'clean',
  'concurrency',
  'default-job-options',
  'empty',
  'job-data-schema',
  'job-schedulers',
  'metrics',
  'obliterate',
  'pause',
  'promote',
  'rate-limit',
  'resume',
  'retry',
  'workers',
]);

/** Every job id convtrack makes starts with one of its ids: a postback, click or cost id, a delivery `<conversion>-<status>`. */
const JOB_ID = /^[0-9A-HJKMNP-TV-Z]{26}(-[A-Za-z0-9-]{1,60})?$/;

/**
 * In front of bull-board. A job id that is not one of ours names one of BullMQ's own
 * keys (`meta`, `events`, `id`…): bull-board would read or delete that key as if it
 * were a job, so it is a 404. Actions that would drop or forge acknowledged work
 * (emptying or obliterating a queue, removing a job, cleaning anything but completed
 * jobs, adding jobs or editing their data) are refused with 403: a postback once
 * acknowledged is applied or logged, never silently dropped. Retry, promote, pause and
 * resume stay.
 */
export function dashboardGuard(): RequestHandler {
  return (req, _res, next) => {
    const parts = req.path.split('/').filter(Boolean);
    if (parts[0] !== 'api' || parts[1] !== 'queues' || parts.length < 4) {
      next();
      return;
    }
    const [, , , second, third] = parts as [string, string, string, string, string | undefined];
    const refuse = (what: string): void =>
      next(
        new AppError(
          ErrorCodes.FORBIDDEN,
          `the dashboard does not ${what}: queued postbacks are acknowledged and must be applied or logged`,
          { httpStatus: 403 },
        ),
      );
    if (QUEUE_ACTIONS.has(second)) {
      if (['add', 'empty', 'obliterate'].includes(second) && req.method !== 'GET') {
        refuse(`${second} queues`);
        return;
      }
      if (second === 'clean' && third !== 'completed' && req.method !== 'GET') {
        refuse('clean jobs other than completed ones');
        return;
      }
      next();
      return;
    }
    if (!JOB_ID.test(second)) {
      next(notFound(`no job ${second.slice(0, 64)}`));
      return;
    }
    if (req.method !== 'GET' && (third === 'clean' || third === 'update-data')) {
      refuse(third === 'clean' ? 'remove jobs' : 'edit job data');
      return;
    }
    next();
  };
}
