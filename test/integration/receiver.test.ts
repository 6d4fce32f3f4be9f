import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { queuedPostback } from '../helpers/queued-postback.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { receiverOnOwnRedis, startReceiver, type ReceiverHarness } from '../helpers/receiver-harness.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { seedCampaign } from '../helpers/seed.js';
import { tempDir } from '../helpers/temp.js';

describe('receiver', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let receiver: ReceiverHarness;

  beforeEach(async () => {
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
    receiver = await startReceiver(testRedisUrl(), store);
  });
  afterEach(async () => {
    await receiver.close();
    await store.close();
    dir.remove();
  });

  describe('postbacks', () => {
    it('when a well-formed GET postback arrives, then the answer carries the id of a job already in the queue', async () => {
      await seedCampaign(store, { source: { postback_token: 'secret-1-of-a-source' } });
      await new Promise((r) => setTimeout(r, 300)); // past the token directory's refresh spacing
      const res = await request(receiver.app)
        .get('/postback?clickid=abc&sum=1.5&status=pending&type=Upsell&token=secret-1-of-a-source')
        .expect(200);
      expect(res.body).to.have.keys('ok', 'id');
      const job = await queuedPostback(receiver.postbacks, res.body.id);
      expect(job.params).to.include({ clickid: 'abc', payout: '1.5', status: 'pending', type: 'Upsell' });
      expect(JSON.stringify(job)).not.to.contain('secret-1');
      expect(job.params?.token_hash).to.match(/^[0-9a-f]{64}$/);
      expect(job.requestId).to.equal(res.headers['x-request-id']);
    });

    it('when a postback is POSTed as a form or as JSON, then both are queued alike', async () => {
      const form = await request(receiver.app).post('/postback').type('form').send('clickid=f1&payout=2').expect(200);
      const json = await request(receiver.app).post('/postback').send({ clickid: 'j1', sum: 2.25, status: 'approved' }).expect(200);
      expect((await queuedPostback(receiver.postbacks, form.body.id)).params).to.include({ clickid: 'f1', payout: '2' });
      expect((await queuedPostback(receiver.postbacks, json.body.id)).params).to.include({ clickid: 'j1', payout: '2.25' });
    });

    it('when a postback is malformed, then it gets a 400 naming the parameter and is still queued to be logged', async () => {
      const res = await request(receiver.app).get('/postback?clickid=abc&status=done').expect(400);
      expect(res.body.error.code).to.equal('POSTBACK.INVALID_PARAMS');
      expect(res.body.error.details).to.deep.equal([
        {
          field: 'status',
          message: 'status must be one of [approved, pending, declined, other]',
          allowed: ['approved', 'pending', 'declined', 'other'],
        },
      ]);
      const job = await queuedPostback(receiver.postbacks, res.body.id);
      expect(job.params).to.equal(null);
      expect(job.raw).to.deep.equal({ clickid: 'abc', status: 'done' });
    });

    it('when a POSTed body is not valid JSON, then it is a 400 naming the body, and the raw text is queued to be logged', async () => {
      const res = await request(receiver.app)
        .post('/postback?clickid=abc')
        .set('content-type', 'application/json')
        .send('{"sum": 1,')
        .expect(400);
      expect(res.body.error.details[0].field).to.equal('body');
      const job = await queuedPostback(receiver.postbacks, res.body.id);
      expect(job.raw).to.deep.equal({ clickid: 'abc', body: '{"sum": 1,' });
    });

    it('when a GET takes the lean path or Express (another spelling), then the answer, the request id and the job are alike', async () => {
      const lean = await request(receiver.app).get('/postback?clickid=same-1&sum=2').set('x-request-id', 'req-lean-1').expect(200);
      const viaExpress = await request(receiver.app)
        .get('/postback/?clickid=same-1&sum=2')
        .set('x-request-id', 'req-express-1')
        .expect(200);
      expect(lean.headers['x-request-id']).to.equal('req-lean-1');
      expect(viaExpress.headers['x-request-id']).to.equal('req-express-1');
      expect(Object.keys(lean.body)).to.deep.equal(Object.keys(viaExpress.body));
      expect(lean.headers['content-type']).to.equal(viaExpress.headers['content-type']);
      const [a, b] = await Promise.all([
        queuedPostback(receiver.postbacks, lean.body.id),
        queuedPostback(receiver.postbacks, viaExpress.body.id),
      ]);
      expect({ ...a, receivedAt: 0, requestId: '' }).to.deep.equal({ ...b, receivedAt: 0, requestId: '' });
      const bad = [
        await request(receiver.app).get('/postback?clickid=x&status=done'),
        await request(receiver.app).get('/postback/?clickid=x&status=done'),
      ];
      expect(bad.map((r) => [r.status, r.body.error.code, r.body.error.details])).to.deep.equal(
        [0, 1].map(() => [400, 'POSTBACK.INVALID_PARAMS', bad[0]?.body.error.details]),
      );
    });

    it('when a key is repeated or a JSON value is nested, then it is a 400 naming it', async () => {
      const repeated = await request(receiver.app).get('/postback?clickid=a&clickid=b').expect(400);
      expect(repeated.body.error.details[0].field).to.equal('clickid');
      const nested = await request(receiver.app)
        .post('/postback')
        .send({ clickid: 'a', sub1: { x: 1 } })
        .expect(400);
      expect(nested.body.error.details[0].field).to.equal('sub1');
    });
  });

  describe('metrics', () => {
    it('when postbacks are answered, then /metrics counts them by code, times the route and shows queue depth', async () => {
      await request(receiver.app).get('/postback?clickid=m1').expect(200);
      await request(receiver.app).get('/postback?clickid=m2&status=bad').expect(400);
      const text = (await request(receiver.app).get('/metrics').expect(200)).text;
      expect(text).to.match(/convtrack_postbacks_received_total\{code="200",service="receiver"\} 1/);
      expect(text).to.match(/convtrack_postbacks_received_total\{code="400",service="receiver"\} 1/);
      expect(text).to.contain('http_request_duration_seconds_count{service="receiver",method="GET",route="/postback",status="200"} 1');
      expect(text).to.match(/convtrack_queue_jobs\{queue="postbacks",state="waiting",service="receiver"\} 2/);
    });
  });

  describe('clicks', () => {
    it('when a click arrives for a campaign, then it is queued and the visitor goes to the offer with macros filled', async () => {
      const { campaign, offer } = await seedCampaign(store);
      const res = await request(receiver.app).get(`/click/${campaign.id}?sub1=kw%201&external_id=ext9`).expect(302);
      const clickid = new URL(res.headers.location as string).searchParams.get('cid') as string;
      expect(res.headers.location).to.equal(`https://offer.example/lp?cid=${clickid}&s1=kw%201`);
      const job = await receiver.clicks.getJob(clickid);
      expect(job?.data).to.include({
        clickid,
        campaign_id: campaign.id,
        offer_id: offer.id,
        offer_source_id: offer.offer_source_id,
        external_id: 'ext9',
      });
      expect(job?.data.subs).to.deep.equal({ sub1: 'kw 1' });
    });

    it("when Facebook appends fbclid and no external_id is given, then fbclid is the click's external id", async () => {
      const { campaign } = await seedCampaign(store);
      const res = await request(receiver.app).get(`/click/${campaign.id}?fbclid=IwAR-abc`).expect(302);
      const clickid = new URL(res.headers.location as string).searchParams.get('cid') as string;
      expect((await receiver.clicks.getJob(clickid))?.data.external_id).to.equal('IwAR-abc');
    });

    it('when the campaign does not exist, then it is a 404 and nothing is queued', async () => {
      await request(receiver.app).get('/click/nope').expect(404);
      expect(await receiver.clicks.count()).to.equal(0);
    });
  });
});

describe('receiver when Redis goes away', () => {
  const state = receiverOnOwnRedis();

  it('when Redis is stopped, then postbacks get 503 with Retry-After, never 200, and 200 again once it is back', async () => {
    await request(state.receiver.app).get('/postback?clickid=before').expect(200);
    await state.redis.stop();
    const down = await Promise.all([1, 2, 3].map((n) => request(state.receiver.app).get(`/postback?clickid=down${n}`)));
    for (const res of down) {
      expect(res.status).to.equal(503);
      expect(res.headers['retry-after']).to.match(/^\d+$/);
      expect(res.body.error.code).to.equal('QUEUE.UNAVAILABLE');
    }
    const readiness = await request(state.receiver.app).get('/readyz');
    expect(readiness.status).to.equal(503);
    await state.redis.start();
    const until = Date.now() + 10_000;
    let status = 0;
    while (status !== 200 && Date.now() < until) {
      status = (await request(state.receiver.app).get('/postback?clickid=after')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).to.equal(200);
  });
});
