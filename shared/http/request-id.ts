import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id: the caller's `X-Request-Id` when it is sane, else a new one. */
    id: string;
  }
}

const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The caller's `X-Request-Id` when it is sane, else a new one. */
export function requestIdFrom(given: string | string[] | undefined): string {
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}

/** Gives every request an id, echoed in `X-Request-Id` and carried into job data. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    req.id = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', req.id);
    next();
  };
}
