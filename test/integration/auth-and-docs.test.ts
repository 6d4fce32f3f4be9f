import { join } from 'node:path';
import { expect } from 'chai';
import type { Express } from 'express';
import Joi from 'joi';
import request from 'supertest';
import { route } from '../../services/report/route-table.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { startReport, TEST_API_KEY } from '../helpers/report-harness.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { tempDir, uniquePrefix } from '../helpers/temp.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A route a test adds to the table: nothing but the row. */
const probe = route<{ word: string }>({
  method: 'get',
  path: '/probe/:id',
  summary: 'A route added by a test',
  auth: 'api-key',
  status: 200,
  query: Joi.object<{ word: string }>({ word: Joi.string().valid('hello').required() }),
  handler: ({ params, query }) => Promise.resolve({ id: params.id, word: query.word }),
});

describe('credentials on every /api and /admin route, and the API docs', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let report: { app: Express; close: () => Promise<void> };
  let documented: Array<[Method, string]>;
  let open: Array<[Method, string]>;

  before(async () => {
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
    report = await startReport(testRedisUrl(), uniquePrefix(), store, { extraRoutes: [probe] });
    const doc = await request(report.app).get('/api/openapi.json').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
    const all = Object.entries(doc.body.paths as Record<string, Record<Method, { security?: unknown[] }>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        route: [method as Method, `/api${path.replace(/\{\w+\}/g, 'x1')}`] as [Method, string],
        op,
      })),
    );
    // Signing in is the one route open to all: it is how a session starts.
    open = all.filter(({ op }) => Array.isArray(op.security) && op.security.length === 0).map(({ route }) => route);
    documented = all.filter(({ op }) => !(Array.isArray(op.security) && op.security.length === 0)).map(({ route }) => route);
  });
  after(async () => {
    await report.close();
    await store.close();
    dir.remove();
  });

  it('when any documented route, the docs or the dashboard is called without credentials, with a wrong key or with the key in the query string, then it answers 401', async () => {
    const routes: Array<[Method, string]> = [
      ...documented,
      ['get', '/api/openapi.json'],
      ['get', '/api/docs/'],
      ['get', '/api/no-such-route'],
      ['get', '/admin/queues'],
      ['get', '/admin/queues/api/queues'],
      ['put', '/admin/queues/api/queues/postbacks/x1/retry'],
    ];
    expect(documented.length).to.be.at.least(40);
    expect(open).to.deep.equal([['post', '/api/session']]);
    const failures: string[] = [];
    for (const [method, path] of routes) {
      for (const [what, send] of [
        ['no credentials', (r: request.Test) => r],
        ['a wrong key', (r: request.Test) => r.set('Authorization', 'Bearer not-the-key')],
        ['the key in the query', (r: request.Test) => r.query({ api_key: TEST_API_KEY, key: TEST_API_KEY, token: TEST_API_KEY })],
      ] as const) {
        const res = await send(request(report.app)[method](path));
        if (res.status !== 401) failures.push(`${method.toUpperCase()} ${path} with ${what}: ${res.status}`);
      }
    }
    expect(failures).to.deep.equal([]);
  });

  it('when OPTIONS is sent to any /api path without the key, then it answers 401 and tells nothing of the methods; with the key it lists them', async () => {
    const paths = [...new Set(documented.map(([, path]) => path)), '/api/no-such-route', '/api/docs', '/api/openapi.json'];
    for (const path of paths) {
      const res = await request(report.app).options(path);
      expect(res.status, `OPTIONS ${path}`).to.equal(401);
      expect(res.headers.allow, `OPTIONS ${path}`).to.equal(undefined);
    }
    const keyed = await request(report.app).options('/api/campaigns').set('Authorization', `Bearer ${TEST_API_KEY}`);
    expect(keyed.status).to.equal(200);
    expect(keyed.headers.allow).to.include('POST');
  });

  it('when a route is added to the table, then it is served behind the key with its query checked, and documented with its parameters', async () => {
    expect(documented).to.deep.include(['get', '/api/probe/x1']);
    await request(report.app).get('/api/probe/p1?word=hello').expect(401);
    const ok = await request(report.app).get('/api/probe/p1?word=hello').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
    expect(ok.body).to.deep.equal({ id: 'p1', word: 'hello' });
    const bad = await request(report.app).get('/api/probe/p1?word=bye').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(400);
    expect(bad.body.error.details[0]).to.include({ field: 'word' });
    const { body } = await request(report.app).get('/api/openapi.json').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
    const op = body.paths['/probe/{id}'].get;
    expect(op.summary).to.equal('A route added by a test');
    expect(op.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).to.deep.equal(['path:id', 'query:word']);
  });

  it('when the OpenAPI document is read, then it describes the routes with the parameters their joi schemas check', async () => {
    const { body } = await request(report.app).get('/api/openapi.json').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
    expect(body.openapi).to.match(/^3\./);
    const reportParams = body.paths['/reports'].get.parameters.map((p: { name: string }) => p.name);
    expect(reportParams).to.include.members(['group_by', 'from', 'to', 'tz', 'sort', 'limit', 'format', 'campaign', 'status']);
    const status = body.paths['/reports'].get.parameters.find((p: { name: string }) => p.name === 'status');
    expect(status.schema.enum).to.deep.equal(['approved', 'pending', 'declined', 'other']);
    const create = body.paths['/offer-sources'].post.requestBody.content['application/json'].schema;
    expect(create.required).to.deep.equal(['name']);
    expect(create.properties.duplicate_mode.enum).to.have.length(6);
    expect(Object.keys(body.paths['/costs/bulk'].post.requestBody.content)).to.include('text/csv');
  });

  it('when an operator opens /api/docs with Basic auth, then the browsable page loads', async () => {
    const basic = `Basic ${Buffer.from('ops:dashboard-password').toString('base64')}`;
    const res = await request(report.app).get('/api/docs/').set('Authorization', basic).expect(200);
    expect(res.text).to.contain('swagger-ui');
  });
});
