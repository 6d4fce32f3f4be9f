import { join } from 'node:path';
import { expect } from 'chai';
import type { Express } from 'express';
import request from 'supertest';
import { API_OPERATIONS } from '../../services/report/openapi.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { startReport, TEST_API_KEY } from '../helpers/report-harness.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { tempDir, uniquePrefix } from '../helpers/temp.js';

describe('credentials on every /api and /admin route, and the API docs', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let report: { app: Express; close: () => Promise<void> };

  before(async () => {
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
    report = await startReport(testRedisUrl(), uniquePrefix(), store);
  });
  after(async () => {
    await report.close();
    await store.close();
    dir.remove();
  });

  const routes = [
    ...API_OPERATIONS.map((op) => [op.method, `/api${op.path.replace(/\{\w+\}/g, 'x1')}`] as const),
    ['get', '/api/openapi.json'] as const,
    ['get', '/api/docs/'] as const,
    ['get', '/admin/queues'] as const,
    ['get', '/admin/queues/api/queues'] as const,
    ['put', '/admin/queues/api/queues/postbacks/x1/retry'] as const,
  ];

  it(`when any of the ${routes.length} routes is called without credentials, with a wrong key or with the key in the query string, then it answers 401`, async () => {
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
  });

  it('when an operator opens /api/docs with Basic auth, then the browsable page loads', async () => {
    const basic = `Basic ${Buffer.from('ops:dashboard-password').toString('base64')}`;
    const res = await request(report.app).get('/api/docs/').set('Authorization', basic).expect(200);
    expect(res.text).to.contain('swagger-ui');
  });
});
