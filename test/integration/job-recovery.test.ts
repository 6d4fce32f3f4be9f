import { join } from 'node:path';
import { expect } from 'chai';
import { Worker } from 'bullmq';
import request from 'supertest';
import type { Delivery } from '../../shared/domain/outbound.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue, enqueue, outboundJobOptions } from '../../shared/queue/queues.js';
import { createRedis } from '../../shared/queue/redis.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildDelivery } from '../helpers/builders.js';
import { startHttpSink, type HttpSink } from '../helpers/http-sink.js';
import { startReceiver, type ReceiverHarness } from '../helpers/receiver-harness.js';
import { startReport, TEST_API_KEY } from '../helpers/report-harness.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';
import { stallOut } from '../helpers/stall.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { startWorkers, type WorkerHarness } from '../helpers/worker-harness.js';

const RECOVERY_MS = 300;

describe('jobs BullMQ gives up on: the store is the record', function () {
  this.timeout(30_000);
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let receiver: ReceiverHarness;
  let sink: HttpSink;
  let seeded: Seeded;
  let workers: WorkerHarness | null = null;
  const start = (recoveryIntervalMs = RECOVERY_MS) =>
    (workers = startWorkers(testRedisUrl(), receiver.prefix, store, {}, { worker: { recoveryIntervalMs } }));
  const counter = async (name: string, labels: Record<string, string>): Promise<number> => {
    const metric = (await (workers as WorkerHarness).metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    return metric.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((n, v) => n + v.value, 0);
  };

  beforeEach(async () => {
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
    receiver = await startReceiver(testRedisUrl(), store);
    sink = await startHttpSink();
    seeded = await seedCampaign(store, { channel: { postback_url: `${sink.base}/pb?c={clickid}`, trusted: true } });
    await store.insertClick(
      buildClick({
        clickid: 'k1',
        campaign_id: seeded.campaign.id,
        offer_id: seeded.offer.id,
        offer_source_id: seeded.source.id,
        traffic_channel_id: seeded.channel.id,
      }),
    );
  });
  afterEach(async () => {
    await workers?.close();
    workers = null;
    await receiver.close();
    await store.close();
    await sink.close();
    dir.remove();
  });

  /** A delivery to the seeded channel, recorded as left alone for longer than the recovery interval. */
  const pendingDelivery = async (id: string, patch: Partial<Delivery> = {}): Promise<Delivery> => {
    const old = Date.now() - 10 * RECOVERY_MS;
    return store.createDelivery(
      buildDelivery({ id, conversion_id: id, channel_id: seeded.channel.id, created_at: old, updated_at: old, ...patch }),
    );
  };
  const deliveredOnce = async (id: string): Promise<void> => {
    await waitFor(`${id} delivered`, async () => (await store.getDelivery(id))?.state === 'delivered', 10_000);
    expect(sink.requests.filter((r) => r.headers['idempotency-key'] === id)).to.have.length(1);
  };

  it('when a delivery job stalled past BullMQ’s limit (its workers died), then the delivery, still queued with 0 attempts, is queued again and sent once', async () => {
    const queue = createQueue(QueueNames.OUTBOUND, receiver.redis, receiver.prefix);
    await pendingDelivery('stalled-1');
    await enqueue(queue, 'stalled-1', { deliveryId: 'stalled-1' }, outboundJobOptions(5, 50));
    await stallOut(testRedisUrl(), receiver.prefix, QueueNames.OUTBOUND);
    start();

    await deliveredOnce('stalled-1');
    expect(await counter('convtrack_jobs_stalled_out_total', { queue: QueueNames.OUTBOUND })).to.equal(1);
    expect(await counter('convtrack_deliveries_recovered_total', { job: 'failed' })).to.equal(1);
    const lines = (workers as WorkerHarness).logLines();
    expect(lines.some((l) => l.message === 'job stalled out: the workers running it died too often' && l.jobId === 'stalled-1')).to.equal(
      true,
    );
    expect(lines.some((l) => l.message === 'delivery queued again from the delivery log' && l.deliveryId === 'stalled-1')).to.equal(true);
    await queue.close();
  });

  it('when a delivery has no job at all (lost with a Redis that restarted without it, or removed), then it is queued again and sent once', async () => {
    await pendingDelivery('lost-1');
    await pendingDelivery('lost-2', { state: 'retrying', attempts: 2, error: 'HTTP 502' });
    start();
    await deliveredOnce('lost-1');
    await deliveredOnce('lost-2');
    expect(await counter('convtrack_deliveries_recovered_total', { job: 'unknown' })).to.equal(2);
  });

  it('when sweeps run at once in two places, then a recovered delivery is still sent once', async () => {
    await pendingDelivery('twice-1');
    start();
    const other = startWorkers(testRedisUrl(), receiver.prefix, store, {}, { worker: { recoveryIntervalMs: RECOVERY_MS } });
    try {
      await Promise.all([
        other.workers.recovery.sweep(),
        (workers as WorkerHarness).workers.recovery.sweep(),
        other.workers.recovery.sweep(),
      ]);
      await deliveredOnce('twice-1');
    } finally {
      await other.close();
    }
  });

  it('when a delivery is new, delivered, failed for good or its job is still waiting, then the sweep leaves it alone', async () => {
    const queue = createQueue(QueueNames.OUTBOUND, receiver.redis, receiver.prefix);
    await pendingDelivery('fresh-1', { created_at: Date.now(), updated_at: Date.now() });
    await pendingDelivery('done-1', { state: 'delivered', delivered_at: 1 });
    await pendingDelivery('gave-up-1', { state: 'failed', error: 'HTTP 404' });
    await pendingDelivery('waiting-1', { state: 'retrying', attempts: 1 });
    await enqueue(queue, 'waiting-1', { deliveryId: 'waiting-1' }, { delay: 60_000 });
    start();
    const swept = await (workers as WorkerHarness).workers.recovery.sweep();
    expect(swept.deliveries).to.deep.equal([]);
    expect(await queue.getJobState('fresh-1')).to.equal('unknown');
    await queue.close();
  });

  it('when a postbacks job stalled past BullMQ’s limit, then its postback is logged rejected worker_crashed with its parameters, counted, and a replay applies it', async () => {
    const res = await request(receiver.app).get('/postback?clickid=k1&sum=2.5').expect(200);
    const id = res.body.id as string;
    await stallOut(testRedisUrl(), receiver.prefix, QueueNames.POSTBACKS);
    // No sweep within the test: the worker that failed the job logs it.
    start(60_000);

    await waitFor('the stalled-out postback logged', async () => (await store.getPostback(id)) !== null);
    const entry = await store.getPostback(id);
    expect(entry).to.include({ outcome: 'rejected', reason: 'worker_crashed', clickid: 'k1' });
    expect(entry?.params?.payout).to.equal('2.5');
    expect(entry?.detail).to.match(/worker that died/);
    expect(await counter('convtrack_jobs_stalled_out_total', { queue: QueueNames.POSTBACKS })).to.equal(1);

    const report = await startReport(testRedisUrl(), receiver.prefix, store);
    try {
      await request(report.app)
        .post('/api/postbacks/replay')
        .set('Authorization', `Bearer ${TEST_API_KEY}`)
        .send({ reason: 'worker_crashed' })
        .expect(202, { queued: 1, more: false });
      await waitFor('the replay applied', async () => (await store.getPostback(id))?.outcome === 'recorded');
    } finally {
      await report.close();
    }
  });

  it('when an operator retries a stalled-out postbacks job from the dashboard, then its postback is applied in place of the worker_crashed entry', async () => {
    const res = await request(receiver.app).get('/postback?clickid=k1&sum=4').expect(200);
    const id = res.body.id as string;
    await stallOut(testRedisUrl(), receiver.prefix, QueueNames.POSTBACKS);
    start(60_000);
    await waitFor('logged worker_crashed', async () => (await store.getPostback(id))?.reason === 'worker_crashed');
    const report = await startReport(testRedisUrl(), receiver.prefix, store);
    try {
      await request(report.app)
        .put(`/admin/queues/api/queues/${QueueNames.POSTBACKS}/${id}/retry`)
        .set('Authorization', `Bearer ${TEST_API_KEY}`)
        .expect((r) => expect(r.status).to.be.within(200, 204));
      await waitFor('the retried job applied', async () => (await store.getPostback(id))?.outcome === 'recorded');
      const conversion = await store.getConversion((await store.getPostback(id))?.conversion_id ?? '');
      expect(conversion?.payout_micros).to.equal(4_000_000);
    } finally {
      await report.close();
    }
  });

  it('when the worker that failed a stalled-out postbacks job died before logging it, then the recovery sweep logs it', async () => {
    const res = await request(receiver.app).get('/postback?clickid=k1&sum=1').expect(200);
    const id = res.body.id as string;
    await stallOut(testRedisUrl(), receiver.prefix, QueueNames.POSTBACKS);
    // Another process's worker takes the job and BullMQ fails it there; nothing of convtrack's hears of it.
    const queue = createQueue(QueueNames.POSTBACKS, receiver.redis, receiver.prefix);
    const connection = createRedis({ url: testRedisUrl(), cluster: null }, 'worker');
    const elsewhere = new Worker(QueueNames.POSTBACKS, () => Promise.resolve(), { connection, prefix: receiver.prefix });
    await waitFor('the job failed elsewhere', async () => (await queue.getJobState(id)) === 'failed');
    await elsewhere.close();
    connection.disconnect();
    await queue.close();
    expect(await store.getPostback(id)).to.equal(null);

    start();
    await waitFor('the sweep logged it', async () => (await store.getPostback(id))?.reason === 'worker_crashed', 5_000);
    expect(
      (workers as WorkerHarness).logLines().some((l) => l.message === 'postbacks of stalled-out jobs logged rejected worker_crashed'),
    ).to.equal(true);
  });
});
