import { Router, type RequestHandler } from 'express';
import type Joi from 'joi';
import swaggerUi from 'swagger-ui-express';
import j2s from 'joi-to-swagger';
import type { ApiRoute } from './route-table.js';

// A CommonJS module whose typings declare a default export: at run time it is module.exports.default.
const toSwagger = j2s.default;

const ERROR = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            properties: { field: { type: 'string' }, message: { type: 'string' }, allowed: { type: 'array', items: { type: 'string' } } },
          },
        },
      },
    },
  },
};

/** The OpenAPI 3 document for /api, built at start from the route table that registers the routes. */
export function openApiDocument(routes: readonly ApiRoute[]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const op of routes) {
    // Express's `/offers/:id` is OpenAPI's `/offers/{id}`.
    const path = op.path.replace(/:(\w+)/g, '{$1}');
    const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = op.query ? queryParameters(op.query) : [];
    const body = op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: toSwagger(op.body).swagger } } } }
      : op.textBody
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(op.textBody.types.map((type) => [type, { schema: { type: 'string' } }])),
            },
          }
        : {};
    (paths[path] ??= {})[op.method] = {
      summary: op.summary,
      ...(op.auth === 'none' ? { security: [] } : {}),
      parameters: [...pathParams, ...query],
      ...body,
      responses: {
        [op.status]: { description: op.status === 204 ? 'done, no body' : 'done' },
        400: { description: 'invalid input: each bad field named', content: { 'application/json': { schema: ERROR } } },
        401: { description: 'no or wrong API key' },
        404: { description: 'unknown id' },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'convtrack API',
      version: '0.1.0',
      description:
        'Settings, logs, reports, replay, cost updates, exchange rates and the outbound delivery log. Send `Authorization: Bearer <API_KEY>`; the console signs in with `POST /session` and sends its session cookie and `X-CSRF-Token` instead.',
    },
    servers: [{ url: '/api' }],
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    security: [{ apiKey: [] }],
    paths,
  };
}

function queryParameters(schema: Joi.ObjectSchema): object[] {
  const { swagger } = toSwagger(schema);
  const properties = (swagger.properties ?? {}) as Record<string, object>;
  const required = new Set((swagger.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', required: required.has(name), schema: property }));
}

/** `GET /api/openapi.json` and the browsable `/api/docs`, behind the given auth. */
export function docsRouter(auth: RequestHandler, routes: readonly ApiRoute[]): Router {
  const document = openApiDocument(routes);
  const router = Router();
  router.use(['/docs', '/openapi.json'], auth);
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'convtrack API' }));
  return router;
}
