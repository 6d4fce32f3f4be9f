import { expect } from 'chai';
import request from 'supertest';
import { createClickWaits } from '../../shared/queue/click-waits.js';
import { createRedis, type RedisClient } from '../../shared/queue/redis.js';
import type { Store } from '../../shared/store/store.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import type { ReceiverHarness } from '../helpers/receiver-harness.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { clickFor, seedCampaign, type Seeded } from '../helpers/seed.js';
import { uniquePrefix } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import type { WorkerHarness } from '../helpers/worker-harness.js';

describe('click waits: the room postbacks for unknown clicks take in Redis', () => {
  let redis: RedisClient;
  // Read at each use: the suite may run this file minutes after loading it.
  const soon = (): number => Date.now() + 600_000;

  before(() => {
    redis = createRedis({ url: testRedisUrl(), cluster: null }, 'worker');
  });
  after(async () => {
    await redis.quit();
  });

  it('when more postbacks ask than there is room, then only the bound is admitted and one already waiting keeps its room', async () => {
    const waits = createClickWaits(redis, uniquePrefix(), 2);
    const first = await waits.admit([
      { id: 'a', until: soon() },
      { id: 'b', until: soon() },
      { id: 'c', until: soon() },
    ]);
    expect([...first]).to.deep.equal(['a', 'b']);
    expect([
      ...(await waits.admit([
        { id: 'b', until: soon() },
        { id: 'd', until: soon() },
      ])),
    ]).to.deep.equal(['b']);
    expect(await waits.count()).to.equal(2);
  });

  it('when a wait is released or its window is long over, then its room goes to the next', async () => {
    const waits = createClickWaits(redis, uniquePrefix(), 2);
    await waits.admit([
      { id: 'released', until: soon() },
      { id: 'over', until: Date.now() - 120_000 },
    ]);
    await waits.release(['released']);
    expect(await waits.count()).to.equal(0);
    expect([
      ...(await waits.admit([
        { id: 'x', until: soon() },
        { id: 'y', until: soon() },
      ])),
    ]).to.deep.equal(['x', 'y']);
  });

  it('when the bound is 0, then no postback waits', async () => {
    const waits = createClickWaits(redis, uniquePrefix(), 0);
    expect((await waits.admit([{ id: 'a', until: soon() }])).size).to.equal(0);
  });
});

describe('a flood of unknown click ids past UNKNOWN_CLICKID_MAX_WAITING', () => {
  const MAX = 20;
  const FLOOD = 150;
  const LEGIT = 30;
  let pipeline: Pipeline;
  let store: Store;
  let receiver: ReceiverHarness;
  let workers: WorkerHarness;
  let seeded: Seeded;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };

  const send = async (query: string): Promise<string> => {
    const res = await request(receiver.app).get(`/postback?${query}`).expect(200);
    return res.body.id as string;
  };
  const metric = async (name: string): Promise<number> =>
    (await workers.metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value ?? NaN;
  const waitingIds = (): Set<string> =>
    new Set(
      workers
        .logLines()
        .filter((l) => l.message === 'postback waits for its click')
        .map((l) => l.postbackId as string),
    );

  beforeEach(async () => {
    // A window far longer than the test: every wait that ends, ends because its click came.
    pipeline = await startPipeline({ unknownClickidWindowMs: 120_000, unknownClickidMaxWaiting: MAX });
    ({ store, receiver, workers } = pipeline);
    seeded = await seedCampaign(store);
  });
  afterEach(async () => pipeline.close());

  it('when made-up click ids flood in beside real postbacks, then the real ones are recorded, the flood past the bound is rejected at once, logged, counted and replayable', async () => {
    for (let i = 0; i < LEGIT; i++) await store.insertClick(clickFor(seeded, { clickid: `real-${i}`, ts: Date.now() }));
    // One real postback after every five made-up ones.
    const queries = Array.from({ length: FLOOD }, (_, i) => [
      `clickid=made-up-${i}&sum=1`,
      ...(i % 5 === 4 ? [`clickid=real-${(i - 4) / 5}&sum=2.5`] : []),
    ]).flat();
    const ids = new Map<string, string>();
    for (let i = 0; i < queries.length; i += 20) {
      const chunk = queries.slice(i, i + 20);
      const sent = await Promise.all(chunk.map(send));
      chunk.forEach((q, j) => ids.set(q, sent[j] as string));
    }
    const flood = [...ids].filter(([q]) => q.includes('made-up')).map(([, id]) => id);
    const legit = [...ids].filter(([q]) => q.includes('real-')).map(([, id]) => id);

    // Each real postback is recorded while the flood is on.
    await waitFor('the real postbacks to be recorded', async () => {
      const entries = await Promise.all(legit.map((id) => store.getPostback(id)));
      return entries.every((e) => e?.outcome === 'recorded');
    });
    // The flood: MAX wait for their click, every other is rejected now, not at the end of the window.
    await waitFor('the flood to be settled or waiting', async () => {
      const entries = await Promise.all(flood.map((id) => store.getPostback(id)));
      return entries.filter((e) => e?.outcome === 'rejected').length === FLOOD - MAX;
    });
    const waiting = waitingIds();
    expect(flood.filter((id) => waiting.has(id))).to.have.length(MAX);
    const refused = flood.filter((id) => !waiting.has(id));
    const entry = await store.getPostback(refused[0] as string);
    expect(entry).to.deep.include({ outcome: 'rejected', reason: 'unknown_clickid' });
    expect(entry?.detail).to.contain('UNKNOWN_CLICKID_MAX_WAITING');
    expect(entry?.raw).to.deep.include({ sum: '1' });
    expect(await metric('convtrack_postbacks_wait_refused_total')).to.equal(FLOOD - MAX);
    expect(await metric('convtrack_postbacks_waiting_for_click')).to.equal(MAX);
    const conversions = await store.listConversions({}, { limit: 1000, cursor: null });
    expect(conversions.items.map((c) => c.payout_micros)).to.deep.equal(Array(LEGIT).fill(2_500_000));

    // A refused postback whose click turns up later is replayed like any rejection.
    const clickid = (entry?.raw as { clickid: string }).clickid;
    await store.insertClick(clickFor(seeded, { clickid, ts: Date.now() }));
    await request(pipeline.report.app).post(`/api/postbacks/${refused[0]}/replay`).set(auth).expect(202);
    await waitFor('the replay to be recorded', async () => (await store.getPostback(refused[0] as string))?.outcome === 'recorded');
  });

  it('when the click of a waiting postback arrives, then its room is freed for the next unknown click id', async () => {
    const waiting = await Promise.all(Array.from({ length: MAX }, (_, i) => send(`clickid=late-${i}`)));
    await waitFor('the bound to be full', async () => (await metric('convtrack_postbacks_waiting_for_click')) === MAX);
    const refused = await send('clickid=no-room');
    await waitFor('the one past the bound to be rejected', async () => (await store.getPostback(refused))?.outcome === 'rejected');

    await store.insertClick(clickFor(seeded, { clickid: 'late-0', ts: Date.now() }));
    await waitFor('the late click to be recorded', async () => (await store.getPostback(waiting[0] as string))?.outcome === 'recorded');
    await waitFor('its room to be freed', async () => (await metric('convtrack_postbacks_waiting_for_click')) === MAX - 1);
    const next = await send('clickid=next-unknown');
    await waitFor('the next unknown click id to wait', () => waitingIds().has(next));
    expect(await store.getPostback(next)).to.equal(null);
  });
});
