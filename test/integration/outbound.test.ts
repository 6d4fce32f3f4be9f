import { expect } from 'chai';
import request from 'supertest';
import { lockKey } from '../../shared/locking/redis-lock.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue, enqueue } from '../../shared/queue/queues.js';
import { queueSettled, waitFor } from '../helpers/wait.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick } from '../helpers/builders.js';
import { startHttpSink, type HttpSink } from '../helpers/http-sink.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';

const TEMPLATE =
  '/pb?cid={external_id}&clickid={clickid}&payout={payout}&cur={currency}&type={type}&status={status}&eid={event_id}&camp={campaign_id}&s1={sub1}&token=s3cret-token';

describe('outbound postbacks to traffic channels', () => {
  let pipeline: Pipeline;
  let store: Store;
  let sink: HttpSink;
  let seeded: Seeded;
  let clicks = 0;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };
  const api = () => request(pipeline.report.app);

  const newClick = async (overrides: Parameters<typeof buildClick>[0] = {}) => {
    const click = buildClick({
      clickid: `k${++clicks}`,
      campaign_id: seeded.campaign.id,
      offer_id: seeded.offer.id,
      offer_source_id: seeded.source.id,
      traffic_channel_id: seeded.channel.id,
      ...overrides,
    });
    await store.insertClick(click);
    return click.clickid;
  };
  const postback = async (query: string): Promise<string> => {
    const res = await request(pipeline.receiver.app).get(`/postback?${query}`).expect(200);
    await pipeline.workers.completed(res.body.id);
    return res.body.id as string;
  };
  const channel = (patch: object) => api().patch(`/api/traffic-channels/${seeded.channel.id}`).set(auth).send(patch).expect(200);
  /** The delivery log entries of a click's conversions, once none is still queued or retrying. */
  const settledDeliveries = async (conversionId: string, count = 1) => {
    for (let i = 0; i < 400; i++) {
      const { body } = await api().get(`/api/outbound?conversion_id=${conversionId}`).set(auth).expect(200);
      if (body.items.length >= count && body.items.every((d: { state: string }) => d.state === 'delivered' || d.state === 'failed'))
        return body.items;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`deliveries of ${conversionId} did not settle`);
  };
  const query = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams);
  /** Every outbound job queued so far has run: what was going to be sent has been. */
  const outboundSettled = () => queueSettled(createQueue(QueueNames.OUTBOUND, pipeline.receiver.redis, pipeline.receiver.prefix));

  before(async () => {
    pipeline = await startPipeline({}, { outbound: { backoffMs: 40, attempts: 5, timeoutMs: 2000 } });
    store = pipeline.store;
    sink = await startHttpSink();
    seeded = await seedCampaign(store, { source: { duplicate_mode: 'edit' } });
    await store.conversionTypes.put('First Deposit', {
      name: 'First Deposit',
      duplicate_mode: null,
      journey: false,
      send_to_channel: true,
      created_at: 1,
    });
    await store.conversionTypes.put('Lead', { name: 'Lead', duplicate_mode: null, journey: false, send_to_channel: false, created_at: 1 });
  });
  beforeEach(async () => {
    sink.requests.length = 0;
    sink.respond = () => ({ status: 200 });
    // The sink is on loopback: the channel must be trusted to reach it.
    await channel({
      postback_url: `${sink.base}${TEMPLATE}`,
      trusted: true,
      send_statuses: ['approved'],
      send_main: true,
      send_types: null,
      integration: 'postback',
    });
  });
  after(async () => {
    await pipeline.close();
    await sink.close();
  });

  it('when a conversion of a type marked for the channel is recorded, then the channel gets one request with every macro filled, and the log shows it with the secret redacted', async () => {
    const clickid = await newClick({ external_id: 'ext 1/a', subs: { sub1: 'zone&7' } });
    const id = await postback(`clickid=${clickid}&type=First%20Deposit&sum=12.50&txid=T-1`);
    const [delivery] = await settledDeliveries(id);
    expect(sink.requests).to.have.length(1);
    const [sent] = sink.requests as [(typeof sink.requests)[number]];
    expect(sent.method).to.equal('GET');
    expect(query(sent.url)).to.deep.equal({
      cid: 'ext 1/a',
      clickid,
      payout: '12.5',
      cur: 'USD',
      type: 'First Deposit',
      status: 'approved',
      eid: 'T-1',
      camp: seeded.campaign.id,
      s1: 'zone&7',
      token: 's3cret-token',
    });
    expect(sent.url).to.contain('cid=ext%201%2Fa').and.to.contain('type=First%20Deposit').and.to.contain('s1=zone%267');
    expect(sent.headers['idempotency-key']).to.equal(delivery.id);
    expect(delivery).to.deep.include({
      state: 'delivered',
      attempts: 1,
      http_status: 200,
      error: null,
      conversion_id: id,
      channel_id: seeded.channel.id,
    });
    expect(delivery.url).to.contain('token=redacted').and.not.to.contain('s3cret');
  });

  it('when the type is not marked send_to_channel or the status is not one the channel takes, then nothing is sent', async () => {
    const lead = await postback(`clickid=${await newClick()}&type=Lead&sum=1`);
    const pending = await postback(`clickid=${await newClick()}&status=pending&sum=1`);
    for (const id of [lead, pending])
      expect((await api().get(`/api/outbound?conversion_id=${id}`).set(auth).expect(200)).body.items).to.deep.equal([]);
    await outboundSettled();
    expect(sink.requests).to.have.length(0);
  });

  it('when an edit changes the status, then the channel is told again; an edit that keeps the status sends nothing', async () => {
    await channel({ send_statuses: ['pending', 'approved'] });
    const clickid = await newClick();
    const id = await postback(`clickid=${clickid}&status=pending&sum=5`);
    await settledDeliveries(id, 1);
    await postback(`clickid=${clickid}&status=approved`);
    await settledDeliveries(id, 2);
    await postback(`clickid=${clickid}&sum=6`); // still approved
    await outboundSettled();
    expect(sink.requests.map((r) => [query(r.url).status, query(r.url).payout])).to.deep.equal([
      ['pending', '5'],
      ['approved', '5'],
    ]);
  });

  it('when the channel fails three times and then succeeds, then it is called exactly once after it succeeds and the log shows the attempts', async () => {
    const attempts = async () =>
      Object.fromEntries((await pipeline.workers.metrics.outboundAttempts.get()).values.map((v) => [v.labels.result, v.value]));
    const before = await attempts();
    sink.respond = (n) => ({ status: n < 3 ? 503 : 200 });
    const id = await postback(`clickid=${await newClick()}&sum=3`);
    const [delivery] = await settledDeliveries(id);
    expect(delivery).to.deep.include({ state: 'delivered', attempts: 4, http_status: 200, error: null });
    // The worker counts an attempt just after it records it: wait for the count, not a fixed time.
    let after = await attempts();
    for (
      const until = Date.now() + 5000;
      (after.delivered ?? 0) === (before.delivered ?? 0) && Date.now() < until;
      after = await attempts()
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(
      [(after.retrying ?? 0) - (before.retrying ?? 0), (after.delivered ?? 0) - (before.delivered ?? 0)],
      'retrying and delivered attempts counted',
    ).to.deep.equal([3, 1]);
    // Run its job again, as a dashboard retry or a stalled job after a crash would.
    const outbound = createQueue(QueueNames.OUTBOUND, pipeline.receiver.redis, pipeline.receiver.prefix);
    await enqueue(outbound, `${delivery.id}-again`, { deliveryId: delivery.id });
    await waitFor('the job run again to complete', async () => (await outbound.getJobState(`${delivery.id}-again`)) === 'completed');
    expect(sink.requests).to.have.length(4);
    expect(sink.requests.filter((r) => r.at > Date.parse(delivery.delivered_at))).to.deep.equal([]);
    await api().post(`/api/outbound/${delivery.id}/retry`).set(auth).expect(409);
  });

  it('when every attempt fails, then the delivery is failed with the error, and a retry from the API delivers it', async () => {
    sink.respond = () => ({ status: 500, body: 'upstream broke' });
    const id = await postback(`clickid=${await newClick()}&sum=4`);
    const [failed] = await settledDeliveries(id);
    expect(failed).to.deep.include({ state: 'failed', attempts: 5, http_status: 500, error: 'HTTP 500: upstream broke' });
    const listed = await api().get('/api/outbound?state=failed').set(auth).expect(200);
    expect(listed.body.items.map((d: { id: string }) => d.id)).to.include(failed.id);

    sink.respond = () => ({ status: 200 });
    const retry = await api().post(`/api/outbound/${failed.id}/retry`).set(auth).expect(202);
    expect(retry.body.retry).to.equal('retried');
    for (let i = 0; i < 200 && (await store.getDelivery(failed.id))?.state !== 'delivered'; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await store.getDelivery(failed.id)).to.deep.include({ state: 'delivered', attempts: 6, http_status: 200 });
    expect(sink.requests).to.have.length(6);
  });

  it('when the channel answers 404, then the delivery fails at once (a client error will not change), and a retry from the queue dashboard delivers it', async () => {
    sink.respond = (n) => ({ status: n === 0 ? 404 : 200, body: 'no such endpoint' });
    const id = await postback(`clickid=${await newClick()}&sum=8`);
    const [failed] = await settledDeliveries(id);
    expect(failed).to.deep.include({ state: 'failed', attempts: 1, http_status: 404, error: 'HTTP 404: no such endpoint' });
    const basic = `Basic ${Buffer.from('ops:dashboard-password').toString('base64')}`;
    await api().put(`/admin/queues/api/queues/outbound/${failed.id}/retry`).set('Authorization', basic).expect(204);
    await sink.waitFor(2);
    for (let i = 0; i < 200 && (await store.getDelivery(failed.id))?.state !== 'delivered'; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await store.getDelivery(failed.id)).to.deep.include({ state: 'delivered', attempts: 2, http_status: 200 });
  });

  it('when a channel that is not trusted points at a loopback or private address, then nothing is sent and the log says why (SSRF guard)', async () => {
    await channel({ trusted: false });
    const id = await postback(`clickid=${await newClick()}&sum=2`);
    const [refused] = await settledDeliveries(id);
    expect(refused).to.deep.include({ state: 'failed', attempts: 1, http_status: null });
    expect(refused.error).to.match(/refused: .*127\.0\.0\.1.*not allowed.*mark the channel trusted/);
    expect(sink.requests).to.have.length(0);

    await channel({ postback_url: 'http://10.1.2.3/pb?c={clickid}' });
    const id2 = await postback(`clickid=${await newClick()}&sum=2`);
    expect((await settledDeliveries(id2))[0].error).to.match(/refused/);
    const notHttp = await api()
      .patch(`/api/traffic-channels/${seeded.channel.id}`)
      .set(auth)
      .send({ postback_url: 'file:///etc/passwd' })
      .expect(400);
    expect(JSON.stringify(notHttp.body)).to.contain('postback_url must be an http or https URL');

    // Marked trusted, the same delivery goes out on retry.
    await channel({ trusted: true, postback_url: `${sink.base}${TEMPLATE}` });
    await api().post(`/api/outbound/${refused.id}/retry`).set(auth).expect(202);
    await sink.waitFor(1);
  });

  it('when the sender of a delivery died holding its lock, then the delivery waits for the lock without spending its attempts, and is sent once', async function () {
    this.timeout(30_000);
    const outbound = pipeline.workers.workers.outbound;
    await outbound.pause();
    const conversionId = await postback(`clickid=${await newClick()}&sum=3`);
    const { body } = await api().get(`/api/outbound?conversion_id=${conversionId}`).set(auth).expect(200);
    const [queued] = body.items as Array<{ id: string }>;
    if (!queued) throw new Error('no delivery recorded');
    // What a worker SIGKILLed mid-send leaves: the delivery's lock, held until it expires. Waiting for it used to
    // spend one attempt per second (5 here) and leave the delivery queued, never sent.
    await pipeline.receiver.redis.set(lockKey(pipeline.receiver.prefix, `delivery ${queued.id}`), 'a-dead-worker', 'PX', 7000);
    await outbound.resume();
    let delivery: { state: string; attempts: number } | undefined;
    await waitFor(
      'the delivery sent',
      async () => {
        delivery = (await api().get(`/api/outbound/${queued.id}`).set(auth).expect(200)).body;
        return delivery?.state !== 'queued';
      },
      20_000,
    );
    expect(delivery).to.include({ state: 'delivered', attempts: 1 });
    expect(sink.requests).to.have.length(1);
  });
});
