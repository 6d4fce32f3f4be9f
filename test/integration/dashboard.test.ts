import * as bullBoardRoutes from '@bull-board/api/dist/routes.js';
import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import request from 'supertest';
import { DASHBOARD_ACTIONS } from '../../services/report/dashboard-guard.js';
import { newId } from '../../shared/domain/ids.js';
import type { Store } from '../../shared/store/store.js';
import { buildPostbackJob } from '../helpers/builders.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import type { ReceiverHarness } from '../helpers/receiver-harness.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { clickFor, seedCampaign } from '../helpers/seed.js';
import { queueSettled } from '../helpers/wait.js';
import type { WorkerHarness } from '../helpers/worker-harness.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('queue dashboard (bull-board)', () => {
  let pipeline: Pipeline;
  let store: Store;
  let receiver: ReceiverHarness;
  let workers: WorkerHarness;
  let report: Pipeline['report'];

  before(async () => {
    pipeline = await startPipeline();
    ({ store, receiver, workers, report } = pipeline);
  });
  after(async () => pipeline.close());

  for (const [what, header] of [
    ['no credentials', undefined],
    ['a wrong password', basic('ops', 'wrong')],
    ['a wrong API key', 'Bearer wrong'],
  ] as const) {
    it(`when the dashboard is asked with ${what}, then it answers 401 and asks for Basic auth`, async () => {
      const req = request(report.app).get('/admin/queues');
      const res = await (header ? req.set('Authorization', header) : req).expect(401);
      expect(res.headers['www-authenticate']).to.match(/^Basic/);
    });
  }

  it('when the key is in the query string, then the dashboard still refuses', async () => {
    await request(report.app).get(`/admin/queues/api/queues?api_key=${TEST_API_KEY}`).expect(401);
  });

  it('when an operator signs in (Basic) or a program sends the API key, then every queue of the system is listed', async () => {
    await request(report.app).get('/admin/queues').set('Authorization', basic('ops', 'dashboard-password')).expect(200);
    const res = await request(report.app).get('/admin/queues/api/queues').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
    expect(res.body.queues.map((q: { name: string }) => q.name).sort()).to.deep.equal(['clicks', 'costs', 'outbound', 'postbacks']);
  });

  it('when a failed postback job is retried from the dashboard (twice, at once), then it lands exactly once', async function () {
    this.timeout(30_000);
    const seeded = await seedCampaign(store);
    const click = clickFor(seeded);
    await store.insertClick(click);
    // Hold the store past its busy timeout so the only attempt fails transiently.
    const blocker = new BetterSqlite3(pipeline.storePath);
    blocker.exec('BEGIN EXCLUSIVE');
    const id = newId();
    const failed = new Promise((resolve) => workers.postbackWorker.once('failed', resolve));
    await receiver.postbacks.add('postbacks', buildPostbackJob({ clickid: click.clickid, payout: '7' }), { jobId: id, attempts: 1 });
    await failed;
    blocker.exec('COMMIT');
    blocker.close();
    expect(await receiver.postbacks.getJobState(id)).to.equal('failed');

    const retry = () =>
      request(report.app).put(`/admin/queues/api/queues/postbacks/${id}/retry`).set('Authorization', basic('ops', 'dashboard-password'));
    const answers = await Promise.all([retry(), retry()]);
    expect(answers.map((a) => a.status)).to.include(204);
    await workers.completed(id);
    // Both retries have run once nothing of the queue is left to run.
    await queueSettled(receiver.postbacks);
    const { items } = await store.listConversions({ clickid: click.clickid }, { limit: 10, cursor: null });
    expect(items.map((c) => [c.id, c.payout_micros])).to.deep.equal([[id, 7_000_000]]);
    expect((await store.getPostback(id))?.outcome).to.equal('recorded');
  });

  it("when a job id names one of BullMQ's own keys, then the dashboard answers 404 (403 to a change) and the queue keeps its metadata", async () => {
    const dashboard = (method: 'get' | 'put', path: string) =>
      request(report.app)[method](`/admin/queues/api/queues/postbacks${path}`).set('Authorization', `Bearer ${TEST_API_KEY}`);
    const metaKey = `${receiver.prefix}:postbacks:meta`;
    const metaBefore = await receiver.redis.hgetall(metaKey);
    expect(Object.keys(metaBefore)).not.to.have.length(0);
    for (const id of ['meta', 'events', 'id', 'wait', 'stalled-check']) {
      expect((await dashboard('get', `/${id}`)).status, id).to.equal(404);
      expect((await dashboard('put', `/${id}/clean`)).status, id).to.equal(403);
    }
    expect(await receiver.redis.hgetall(metaKey)).to.deep.equal(metaBefore);
  });

  it('when the dashboard is asked to drop or forge queued postbacks, then it refuses with 403 and the job stays', async () => {
    const dashboard = (method: 'put' | 'post', path: string) =>
      request(report.app)[method](`/admin/queues/api/queues/postbacks${path}`).set('Authorization', `Bearer ${TEST_API_KEY}`);
    const id = newId();
    await receiver.postbacks.add('postbacks', buildPostbackJob({ clickid: 'not-yet-clicked' }), { jobId: id, delay: 60_000 });
    for (const [method, path] of [
      ['put', '/empty'],
      ['put', '/obliterate'],
      ['put', '/clean/delayed'],
      ['put', '/clean/failed'],
      ['post', '/add'],
      ['put', `/${id}/clean`],
      ['put', `/${id}/update-data`],
    ] as const) {
      const res = await dashboard(method, path);
      expect(res.status, `${method} ${path}`).to.equal(403);
      expect(res.body.error.code).to.equal('AUTH.FORBIDDEN');
    }
    expect(await receiver.postbacks.getJobState(id)).to.equal('delayed');
    expect((await dashboard('put', '/clean/completed')).status).to.be.within(200, 204);
    await (await receiver.postbacks.getJob(id))?.remove();
  });

  it("when any route of bull-board's own table that is not a read is called, then it is one of the allowed actions or refused with 403, and a parked postback keeps its place and time", async () => {
    const id = newId();
    const runAt = Date.now() + 60_000;
    await receiver.postbacks.add('postbacks', buildPostbackJob({ clickid: 'not-yet-clicked' }), { jobId: id, delay: runAt - Date.now() });
    const delayOf = async () => (await receiver.postbacks.getJob(id))?.delay;
    const delayBefore = await delayOf();
    const routes = [
      ...bullBoardRoutes.appRoutes.api,
      ...bullBoardRoutes.buildHistoryRoutes({} as never, { hasUsage: true, canPurge: true } as never),
    ].flatMap((r) =>
      (Array.isArray(r.route) ? r.route : [r.route]).flatMap((path) =>
        (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({ method: method.toUpperCase(), path })),
      ),
    );
    const changes = routes.filter((r) => r.method !== 'GET');
    expect(changes.length, 'bull-board routes that change something').to.be.at.least(20);
    const fill = (path: string, status: string) =>
      path.replace(':queueName', 'postbacks').replace(':jobId', id).replace(':queueStatus', status).replace(':schedulerId', 'any');
    const allowed = changes.filter((r) => DASHBOARD_ACTIONS.some((a) => a.method === r.method && a.path.test(fill(r.path, 'completed'))));
    // Each allowed on purpose; a route a later bull-board adds is refused until it is looked at and listed here.
    expect(allowed.map((r) => `${r.method} ${r.path}`)).to.have.members([
      'PUT /api/queues/pause',
      'PUT /api/queues/resume',
      'PUT /api/queues/:queueName/retry/:queueStatus',
      'PUT /api/queues/:queueName/promote',
      'PUT /api/queues/:queueName/clean/:queueStatus',
      'PUT /api/queues/:queueName/pause',
      'PUT /api/queues/:queueName/resume',
      'PUT /api/queues/:queueName/:jobId/retry',
      'PUT /api/queues/:queueName/:jobId/promote',
    ]);
    const body = {
      runAt: Date.now() + 30 * 365 * 24 * 3_600_000,
      delay: 1e12,
      priority: 5,
      concurrency: 1,
      max: 1,
      duration: 1,
      name: 'x',
      data: {},
    };
    for (const r of changes) {
      // Allowed routes with the arguments they refuse: retry or clean of anything but failed/completed, and no promotion of the parked job.
      const path = fill(r.path, 'delayed');
      if (allowed.includes(r) && DASHBOARD_ACTIONS.some((a) => a.method === r.method && a.path.test(path))) continue;
      const agent = request(report.app);
      const verb = r.method.toLowerCase() as 'put' | 'post' | 'patch' | 'delete';
      const res = await agent[verb](`/admin/queues${path}`).set('Authorization', `Bearer ${TEST_API_KEY}`).send(body);
      expect(res.status, `${r.method} ${path}`).to.equal(403);
    }
    for (const method of ['post', 'patch', 'delete', 'options'] as const) {
      const agent = request(report.app);
      const res = await agent[method](`/admin/queues/api/queues/postbacks/${id}/some-later-route`).set(
        'Authorization',
        `Bearer ${TEST_API_KEY}`,
      );
      expect(res.status, `${method} of a route bull-board does not have yet`).to.equal(403);
    }
    expect(await receiver.postbacks.getJobState(id)).to.equal('delayed');
    expect(await delayOf()).to.equal(delayBefore);
    await (await receiver.postbacks.getJob(id))?.remove();
  });
});
