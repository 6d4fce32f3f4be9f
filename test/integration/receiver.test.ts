import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { queuedPostback } from '../helpers/queued-postback.js';
import { isClickBatch, type ClickJob } from '../../shared/queue/jobs.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { receiverOnOwnRedis, startReceiver, type ReceiverHarness } from '../helpers/receiver-harness.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { seedCampaign } from '../helpers/seed.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

/** A redirect, its click id, and its text with that id masked (two clicks differ by it alone). */
interface Visit {
  clickid: string;
  res: request.Response;
  masked: (text: string) => string;
}

/** The click a lone request queued (its job id is the click id). */
async function queuedClick(receiver: ReceiverHarness, clickid: string): Promise<ClickJob> {
  const data = (await receiver.clicks.getJob(clickid))?.data;
  if (!data || isClickBatch(data)) throw new Error(`click ${clickid} is not queued as a job of its own`);
  return data;
}

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
      const job = { data: await queuedClick(receiver, clickid) };
      expect(job.data).to.include({
        clickid,
        campaign_id: campaign.id,
        offer_id: offer.id,
        offer_source_id: offer.offer_source_id,
        external_id: 'ext9',
      });
      expect(job.data.subs).to.deep.equal({ sub1: 'kw 1' });
    });

    it("when Facebook, Google, Microsoft or TikTok append their click id and no external_id is given, then it is the click's external id", async () => {
      const { campaign } = await seedCampaign(store);
      const res = await request(receiver.app).get(`/click/${campaign.id}?fbclid=IwAR-abc`).expect(302);
      const clickid = new URL(res.headers.location as string).searchParams.get('cid') as string;
      expect((await queuedClick(receiver, clickid)).external_id).to.equal('IwAR-abc');
      // Google's, Microsoft's and TikTok's auto-tagging alike; an external_id given wins.
      for (const [query, expected] of [
        ['gclid=Cj0KCQ-g', 'Cj0KCQ-g'],
        ['msclkid=3f2a', '3f2a'],
        ['ttclid=E.C.P.x', 'E.C.P.x'],
        ['gclid=Cj0&external_id=mine', 'mine'],
      ]) {
        const tagged = await request(receiver.app)
          .get(`/click/${campaign.id}?${String(query)}`)
          .expect(302);
        const id = new URL(tagged.headers.location as string).searchParams.get('cid') as string;
        expect((await queuedClick(receiver, id)).external_id, query).to.equal(expected);
      }
    });

    it('when the campaign does not exist, then it is a 404 naming it on either path, and nothing is queued', async () => {
      const lean = await request(receiver.app).get('/click/nope?sub1=a').expect(404);
      const viaExpress = await request(receiver.app).get('/click/nope/?sub1=a').expect(404);
      expect(lean.body.error).to.deep.include({ code: viaExpress.body.error.code, message: 'no campaign with id nope' });
      expect(lean.headers['content-type']).to.equal(viaExpress.headers['content-type']);
      expect(await receiver.clicks.count()).to.equal(0);
    });

    it('when a click takes the lean path or Express (another spelling), then the redirect, the request id and the job are alike', async () => {
      const { campaign } = await seedCampaign(store, {
        offer: { url: 'https://offer.example/lp?cid={clickid}&s1={sub1}&x={external_id}' },
      });
      const query = '?sub1=zone%2042&sub1=second&sub3=p%C3%A9&fbclid=IwAR-1';
      const visit = (path: string, id: string, accept: string) =>
        request(receiver.app).get(path).set('x-request-id', id).set('accept', accept).set('user-agent', 'Mozilla/5.0 test').expect(302);
      for (const accept of ['text/html,application/xhtml+xml,*/*;q=0.8', '*/*']) {
        const lean = await visit(`/click/${campaign.id}${query}`, 'req-click-lean', accept);
        const viaExpress = await visit(`/click/${campaign.id}/${query}`, 'req-click-express', accept);
        const [a, b] = [lean, viaExpress].map((res) => {
          const clickid = new URL(res.headers.location as string).searchParams.get('cid') as string;
          return { clickid, res, masked: (text: string) => text.replaceAll(clickid, '<cid>') };
        }) as [Visit, Visit];
        expect(a.res.headers['x-request-id']).to.equal('req-click-lean');
        expect(b.res.headers['x-request-id']).to.equal('req-click-express');
        expect(a.masked(a.res.headers.location as string)).to.equal('https://offer.example/lp?cid=<cid>&s1=zone%2042&x=IwAR-1');
        expect(b.masked(b.res.headers.location as string)).to.equal(a.masked(a.res.headers.location as string));
        expect(a.res.headers['content-type']).to.equal(b.res.headers['content-type']);
        expect(a.masked(a.res.text)).to.equal(b.masked(b.res.text));
        const [jobA, jobB] = await Promise.all([queuedClick(receiver, a.clickid), queuedClick(receiver, b.clickid)]);
        const same = (data: ClickJob) => ({ ...data, clickid: '', ts: 0, requestId: '' });
        expect(same(jobA)).to.deep.equal(same(jobB));
        expect(jobA).to.deep.include({
          external_id: 'IwAR-1',
          subs: { sub1: 'zone 42', sub3: 'pé' },
          user_agent: 'Mozilla/5.0 test',
          requestId: 'req-click-lean',
        });
      }
      expect((await request(receiver.app).get('/metrics')).text).to.match(
        /http_request_duration_seconds_count\{service="receiver",method="GET",route="\/click\/:campaignId",status="302"\} 4/,
      );
    });

    it('when a burst of clicks arrives at once, then every visitor is redirected and every click is queued once, many to a job', async () => {
      const { campaign } = await seedCampaign(store);
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) => request(receiver.app).get(`/click/${campaign.id}?sub2=burst-${i}`).expect(302)),
      );
      const clickids = answers.map((res) => new URL(res.headers.location as string).searchParams.get('cid') as string);
      const jobs = await receiver.clicks.getJobs(['waiting']);
      const queued = jobs.flatMap((job) => (isClickBatch(job.data) ? job.data.clicks : [job.data]));
      expect(queued.map((c) => c.clickid).sort()).to.deep.equal([...clickids].sort());
      expect(jobs.length).to.be.below(300);
      expect(new Set(queued.map((c) => c.subs.sub2)).size).to.equal(300);
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

  it('when Redis is stopped, then a click is a 503 with Retry-After, and a redirect again once it is back', async () => {
    const { campaign } = await seedCampaign(state.store);
    await request(state.receiver.app).get(`/click/${campaign.id}`).expect(302);
    await state.redis.stop();
    const down = await request(state.receiver.app).get(`/click/${campaign.id}?sub1=down`);
    expect([down.status, down.body.error?.code, down.headers.location]).to.deep.equal([503, 'QUEUE.UNAVAILABLE', undefined]);
    expect(down.headers['retry-after']).to.match(/^\d+$/);
    await state.redis.start();
    await waitFor(
      'a redirect once Redis is back',
      async () => (await request(state.receiver.app).get(`/click/${campaign.id}`)).status === 302,
    );
  });
});
