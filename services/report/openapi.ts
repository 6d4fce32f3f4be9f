import { Router, type RequestHandler } from 'express';
import type Joi from 'joi';
import swaggerUi from 'swagger-ui-express';
import j2s from 'joi-to-swagger';
import { bulkCostQuery, costBody, costListQuery, undoBody } from './costs.route.js';
import { fxRatesBody } from './fx-rates.route.js';
import { funnelQuery } from './journeys.route.js';
import { outboundQuery } from './outbound.route.js';
import { conversionQuery, postbackQuery } from './logs.route.js';
import { bulkBody } from './replay.route.js';
import { reportQuery } from './report.schema.js';
import { settingsSchemas } from './settings.schema.js';

// A CommonJS module whose typings declare a default export: at run time it is module.exports.default.
const toSwagger = j2s.default;

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  query?: Joi.ObjectSchema;
  body?: Joi.Schema;
  ok: number;
}

const SETTINGS: Array<[string, string, { create: Joi.ObjectSchema; patch: Joi.ObjectSchema }]> = [
  ['/offer-sources', 'offer source', settingsSchemas.offerSource],
  ['/offers', 'offer', settingsSchemas.offer],
  ['/traffic-channels', 'traffic channel', settingsSchemas.trafficChannel],
  ['/campaigns', 'campaign', settingsSchemas.campaign],
];

/** Every /api operation with the joi schemas its route validates with. */
export const API_OPERATIONS: Operation[] = [
  ...SETTINGS.flatMap(([path, noun, schemas]): Operation[] => [
    { method: 'post', path, summary: `Create an ${noun}`, body: schemas.create, ok: 201 },
    { method: 'get', path, summary: `List ${noun}s`, ok: 200 },
    { method: 'get', path: `${path}/{id}`, summary: `Get one ${noun}`, ok: 200 },
    { method: 'patch', path: `${path}/{id}`, summary: `Change some fields of an ${noun}`, body: schemas.patch, ok: 200 },
    { method: 'delete', path: `${path}/{id}`, summary: `Delete an ${noun} nothing uses`, ok: 204 },
  ]),
  { method: 'get', path: '/conversion-types', summary: 'List conversion types', ok: 200 },
  { method: 'get', path: '/conversion-types/{name}', summary: 'Get one conversion type (case-sensitive name)', ok: 200 },
  {
    method: 'put',
    path: '/conversion-types/{name}',
    summary: 'Create or replace a conversion type',
    body: settingsSchemas.conversionType,
    ok: 200,
  },
  { method: 'delete', path: '/conversion-types/{name}', summary: 'Delete a conversion type', ok: 204 },
  {
    method: 'get',
    path: '/conversions',
    summary: 'The conversion log, newest first, cursor-paginated (format=csv for all of it)',
    query: conversionQuery,
    ok: 200,
  },
  {
    method: 'get',
    path: '/postbacks',
    summary: 'The postback log, newest first, cursor-paginated (format=csv for all of it)',
    query: postbackQuery,
    ok: 200,
  },
  { method: 'get', path: '/postbacks/{id}', summary: 'One postback log entry', ok: 200 },
  { method: 'post', path: '/postbacks/{id}/replay', summary: 'Replay one rejected postback', ok: 202 },
  { method: 'post', path: '/postbacks/replay', summary: 'Replay rejected postbacks by reason', body: bulkBody, ok: 202 },
  {
    method: 'get',
    path: '/reports',
    summary: 'Grouped report with per-status and per-type columns and totals (JSON or CSV)',
    query: reportQuery,
    ok: 200,
  },
  {
    method: 'get',
    path: '/journeys/funnel',
    summary: 'Clicks reaching each journey type, and the rate between steps',
    query: funnelQuery,
    ok: 200,
  },
  { method: 'get', path: '/journeys/{clickid}', summary: "One click's journey", ok: 200 },
  {
    method: 'post',
    path: '/costs',
    summary: "Queue a cost update: spread a cost over a campaign's clicks in a range (later updates win for their range)",
    body: costBody,
    ok: 202,
  },
  {
    method: 'post',
    path: '/costs/bulk',
    summary: 'Queue cost updates from a CSV body (text/csv; header campaign_id,date,cost[,currency])',
    query: bulkCostQuery,
    ok: 202,
  },
  { method: 'post', path: '/costs/undo', summary: "Queue an undo of a campaign's last applied cost update", body: undoBody, ok: 202 },
  { method: 'get', path: '/costs', summary: 'Cost updates and undos, newest first', query: costListQuery, ok: 200 },
  { method: 'get', path: '/costs/{id}', summary: 'The state and result of one cost update or undo', ok: 200 },
  { method: 'get', path: '/fx-rates', summary: 'Exchange rates into the account currency', ok: 200 },
  { method: 'put', path: '/fx-rates', summary: 'Replace the exchange rates set over the API', body: fxRatesBody, ok: 200 },
  { method: 'get', path: '/outbound', summary: 'The delivery log of outbound postbacks, newest first', query: outboundQuery, ok: 200 },
  { method: 'get', path: '/outbound/{id}', summary: 'One delivery', ok: 200 },
  { method: 'post', path: '/outbound/{id}/retry', summary: 'Send a failed delivery again', ok: 202 },
];

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

/** The OpenAPI 3 document for /api, built from the route schemas at start. */
export function openApiDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const op of API_OPERATIONS) {
    const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = op.query ? queryParameters(op.query) : [];
    const body = op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: toSwagger(op.body).swagger } } } }
      : {};
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      parameters: [...pathParams, ...query],
      ...body,
      responses: {
        [op.ok]: { description: 'done' },
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
        'Settings, logs, reports, replay, cost updates, exchange rates and the outbound delivery log. Send `Authorization: Bearer <API_KEY>`.',
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
export function docsRouter(auth: RequestHandler): Router {
  const document = openApiDocument();
  const router = Router();
  router.use(['/docs', '/openapi.json'], auth);
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'convtrack API' }));
  return router;
}
