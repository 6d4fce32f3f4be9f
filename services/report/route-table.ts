import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type Joi from 'joi';
import { validate, validateBody } from './validate.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route. `api-key`: the API key, or a console session (with its CSRF
 * token on changes). `none` is for signing in, and nothing else.
 */
export type Auth = 'api-key' | 'none';

/** What a handler gets: the request, and its path parameters, query and body as the route's schemas left them. */
export interface RouteInput<Q, B> {
  req: Request;
  res: Response;
  params: Record<string, string>;
  query: Q;
  body: B;
}

/**
 * One row of the API's route table: it registers the Express route (auth, validation,
 * success status) and documents it in the OpenAPI document, so neither can exist
 * without the other. The handler returns what to send as JSON with `status`,
 * `undefined` for no body (204), or `RESPONDED` when it writes the response itself
 * (CSV streamed to `res`, which may still be under way when the handler returns).
 */
export interface ApiRoute {
  method: Method;
  /** Express syntax under `/api`: `/offers/:id`. */
  path: string;
  summary: string;
  auth: Auth;
  status: number;
  query?: Joi.ObjectSchema;
  body?: Joi.Schema;
  /** The body's fields are all optional: a request with no body at all (no Content-Type) is taken as `{}`. */
  bodyOptional?: boolean;
  /** A body that is not JSON (the CSV upload): its media types, read as text up to `limit`. */
  textBody?: { types: string[]; limit: string };
  handler: (input: RouteInput<unknown, unknown>) => Promise<unknown>;
}

/** What a handler returns when it writes the response itself. */
export const RESPONDED: unique symbol = Symbol('responded');

/** A route whose handler sees its query and body typed as its joi schemas declare them. */
export function route<Q = Record<string, never>, B = undefined>(
  spec: Omit<ApiRoute, 'query' | 'body' | 'handler'> & {
    query?: Joi.ObjectSchema<Q>;
    body?: Joi.Schema<B>;
    handler: (input: RouteInput<Q, B>) => Promise<unknown>;
  },
): ApiRoute {
  return {
    ...spec,
    // The registrar validated query and body with these very schemas before calling.
    handler: (input) => spec.handler({ ...input, query: input.query as Q, body: input.body as B }),
  };
}

/**
 * Registers every route of the table: its auth first (nothing is read for a caller
 * without credentials), then its body parser (`json` unless the route takes text),
 * its input validated, its status sent.
 */
export function mountRoutes(routes: readonly ApiRoute[], auth: Record<Auth, RequestHandler>, json: RequestHandler[]): Router {
  const router = Router();
  for (const r of routes) {
    const guard = auth[r.auth] as RequestHandler | undefined;
    if (!guard) throw new Error(`${r.method.toUpperCase()} ${r.path}: no auth named ${r.auth}`);
    const parse = r.textBody ? [express.text({ type: r.textBody.types, limit: r.textBody.limit })] : json;
    router[r.method](r.path, guard, ...parse, async (req, res) => {
      const query: unknown = r.query ? validate(r.query, req.query) : {};
      const absent = r.bodyOptional && req.body === undefined && req.headers['content-type'] === undefined;
      const body: unknown = r.body ? (absent ? validate(r.body, {}) : validateBody(r.body, req)) : req.body;
      const answer = await r.handler({ req, res, params: req.params as Record<string, string>, query, body });
      if (answer === RESPONDED || res.headersSent) return;
      if (answer === undefined) res.status(r.status).end();
      else res.status(r.status).json(answer);
    });
  }
  return router;
}
