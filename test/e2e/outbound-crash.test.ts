import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import type { Delivery } from '../../shared/domain/outbound.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick } from '../helpers/builders.js';
import { startHttpSink, type HttpSink } from '../helpers/http-sink.js';
import { startReceiver, type ReceiverHarness } from '../helpers/receiver-harness.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { seedCampaign } from '../helpers/seed.js';
import { tempDir } from '../helpers/temp.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue } from '../../shared/queue/queues.js';
import { queueSettled } from '../helpers/wait.js';
import { keepKilling, workerProcesses, type WorkerProcesses } from '../helpers/worker-processes.js';

const CONVERSIONS = 200;
const CONCURRENCY = 8;

describe('outbound postbacks: worker processes SIGKILLed mid-send and restarted', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let receiver: ReceiverHarness;
  let workers: WorkerProcesses;
  let sink: HttpSink;

  before(async function () {
    this.timeout(60_000);
    dir = tempDir();
    const sqlitePath = join(dir.path, 'store.db');
    store = createSqliteStore(sqlitePath);
    sink = await startHttpSink();
    // Slow answers keep sends in flight when a worker dies.
    sink.respond = () => ({ status: 200, delayMs: Math.floor(Math.random() * 80) });
    const seeded = await seedCampaign(store, { channel: { postback_url: `${sink.base}/pb?c={clickid}&p={payout}`, trusted: true } });
    for (let i = 0; i < CONVERSIONS; i++) {
      await store.insertClick(
        buildClick({
          clickid: `x${i}`,
          campaign_id: seeded.campaign.id,
          offer_id: seeded.offer.id,
          offer_source_id: seeded.source.id,
          traffic_channel_id: seeded.channel.id,
        }),
      );
    }
    receiver = await startReceiver(testRedisUrl(), store);
    workers = workerProcesses(2, {
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: receiver.prefix,
      SQLITE_PATH: sqlitePath,
      DATA_DIR: dir.path,
      WORKER_CONCURRENCY: String(CONCURRENCY),
      JOB_LOCK_MS: '1500',
      OUTBOUND_BACKOFF_MS: '100',
    });
    await Promise.all([workers.start(0), workers.start(1)]);
  });
  after(async function () {
    this.timeout(30_000);
    await workers.stopAll();
    await receiver.close();
    await store.close();
    await sink.close();
    dir.remove();
  });

  it('when workers die while conversions are being sent, then every one arrives, none is sent again after its success was recorded, and repeats stay within what the crashes cut short', async () => {
    const killer = keepKilling(workers);
    for (let i = 0; i < CONVERSIONS; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          request(receiver.app)
            .get(`/postback?clickid=x${i + j}&sum=1.5`)
            .expect(200),
        ),
      );
    }

    let deliveries: Delivery[];
    const until = Date.now() + 90_000;
    for (;;) {
      deliveries = (await store.listDeliveries({}, { limit: 1000, cursor: null })).items;
      if (deliveries.length === CONVERSIONS && deliveries.every((d) => d.state === 'delivered')) break;
      if (Date.now() > until) {
        // What BullMQ holds for each stuck delivery's job, to tell a lost job from a stuck one.
        const jobs = createQueue(QueueNames.OUTBOUND, receiver.redis, receiver.prefix);
        const stuck = await Promise.all(
          deliveries
            .filter((d) => d.state !== 'delivered')
            .map(async (d) => {
              const job = await jobs.getJob(d.id);
              const bull = job ? `job ${await job.getState()} made ${String(job.attemptsMade)} ${job.failedReason}` : 'no job';
              return `${d.id} ${d.state} attempts ${d.attempts} ${d.error ?? ''} (${bull})`;
            }),
        );
        await jobs.close();
        throw new Error(
          `${CONVERSIONS - stuck.length}/${CONVERSIONS} delivered (${deliveries.length} recorded); not delivered: ${stuck.join('; ')}\n${workers.output().slice(-3000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const kills = await killer.stop();
    // Any job a crash left stalled runs again before counting: wait until none is left to run.
    const outboundQueue = createQueue(QueueNames.OUTBOUND, receiver.redis, receiver.prefix);
    await queueSettled(outboundQueue, 30_000);
    await outboundQueue.close();

    expect(kills).to.be.at.least(5);
    const byKey = new Map<string, number[]>();
    for (const r of sink.requests)
      byKey.set(r.headers['idempotency-key'] as string, [...(byKey.get(r.headers['idempotency-key'] as string) ?? []), r.at]);
    for (const d of deliveries) {
      const times = byKey.get(d.id) ?? [];
      expect(times.length, `${d.id} never arrived`).to.be.at.least(1);
      expect(
        times.filter((t) => t > (d.delivered_at as number)),
        `${d.id} sent again after its recorded success`,
      ).to.deep.equal([]);
    }
    const repeats = sink.requests.length - CONVERSIONS;
    expect(repeats, `${repeats} repeats for ${kills} crashes`).to.be.at.most(kills * CONCURRENCY);
    console.log(
      `      NOTE: ${CONVERSIONS} conversions, ${kills} worker crashes, ${repeats} repeated sends (each cut short by a crash before its answer was recorded)`,
    );
  });
});
