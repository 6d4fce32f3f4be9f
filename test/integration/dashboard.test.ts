import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import request from 'supertest';
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

  it("when a job id names one of BullMQ's own keys, then the dashboard answers 404 and the queue keeps its metadata", async () => {
    const dashboard = (method: 'get' | 'put', path: string) =>
      request(report.app)[method](`/admin/queues/api/queues/postbacks${path}`).set('Authorization', `Bearer ${TEST_API_KEY}`);
    const metaKey = `${receiver.prefix}:postbacks:meta`;
    const metaBefore = await receiver.redis.hgetall(metaKey);
    expect(Object.keys(metaBefore)).not.to.have.length(0);
    for (const id of ['meta', 'events', 'id', 'wait', 'stalled-check']) {
      expect((await dashboard('get', `/${id}`)).status, id).to.equal(404);
      expect((await dashboard('put', `/${id}/clean`)).status, id).to.equal(404);
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
});
