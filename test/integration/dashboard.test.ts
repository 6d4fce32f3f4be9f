import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import type { Express } from 'express';
import request from 'supertest';
import { newId } from '../../shared/domain/ids.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildPostbackJob } from '../helpers/builders.js';
import { startReceiver, type ReceiverHarness } from '../helpers/receiver-harness.js';
import { startReport, TEST_API_KEY } from '../helpers/report-harness.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { seedCampaign } from '../helpers/seed.js';
import { tempDir } from '../helpers/temp.js';
import { startWorkers, type WorkerHarness } from '../helpers/worker-harness.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('queue dashboard (bull-board)', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let receiver: ReceiverHarness;
  let workers: WorkerHarness;
  let report: { app: Express; close: () => Promise<void> };

  before(async () => {
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
    receiver = await startReceiver(testRedisUrl(), store);
    workers = startWorkers(testRedisUrl(), receiver.prefix, store);
    report = await startReport(testRedisUrl(), receiver.prefix, store);
  });
  after(async () => {
    await report.close();
    await workers.close();
    await receiver.close();
    await store.close();
    dir.remove();
  });

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
    expect(res.body.queues.map((q: { name: string }) => q.name).sort()).to.deep.equal(['clicks', 'postbacks']);
  });

  it('when a failed postback job is retried from the dashboard (twice, at once), then it lands exactly once', async function () {
    this.timeout(30_000);
    const seeded = await seedCampaign(store);
    const click = buildClick({ campaign_id: seeded.campaign.id, offer_id: seeded.offer.id, offer_source_id: seeded.source.id, traffic_channel_id: seeded.channel.id });
    await store.insertClick(click);
    // Hold the store past its busy timeout so the only attempt fails transiently.
    const blocker = new BetterSqlite3(join(dir.path, 'store.db'));
    blocker.exec('BEGIN EXCLUSIVE');
    const id = newId();
    const failed = new Promise((resolve) => workers.postbackWorker.once('failed', resolve));
    await receiver.postbacks.add('postbacks', buildPostbackJob({ clickid: click.clickid, payout: '7' }), { jobId: id, attempts: 1 });
    await failed;
    blocker.exec('COMMIT');
    blocker.close();
    expect(await receiver.postbacks.getJobState(id)).to.equal('failed');

    const retry = () => request(report.app).put(`/admin/queues/api/queues/postbacks/${id}/retry`).set('Authorization', basic('ops', 'dashboard-password'));
    const answers = await Promise.all([retry(), retry()]);
    expect(answers.map((a) => a.status)).to.include(204);
    await workers.completed(id);
    await new Promise((r) => setTimeout(r, 200));
    const { items } = await store.listConversions({ clickid: click.clickid }, { limit: 10, cursor: null });
    expect(items.map((c) => [c.id, c.payout_micros])).to.deep.equal([[id, 7_000_000]]);
    expect((await store.getPostback(id))?.outcome).to.equal('recorded');
  });
});
