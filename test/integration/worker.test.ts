import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import request from 'supertest';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { startReceiver, type ReceiverHarness } from '../helpers/receiver-harness.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { clickFor, seedCampaign, type Seeded } from '../helpers/seed.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
import { startWorkers, type WorkerHarness } from '../helpers/worker-harness.js';

describe('worker: from queued postback to stored conversion', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let receiver: ReceiverHarness;
  let workers: WorkerHarness;
  let seeded: Seeded;

  const click = async (query = ''): Promise<string> => {
    const res = await request(receiver.app).get(`/click/${seeded.campaign.id}${query}`).expect(302);
    const clickid = new URL(res.headers.location as string).searchParams.get('cid') as string;
    const until = Date.now() + 5000;
    while (!(await store.getClick(clickid))) {
      if (Date.now() > until) throw new Error('click not stored');
      await new Promise((r) => setTimeout(r, 20));
    }
    return clickid;
  };
  const postback = async (query: string, status = 200): Promise<string> => {
    const res = await request(receiver.app).get(`/postback?${query}`).expect(status);
    await workers.completed(res.body.id);
    return res.body.id as string;
  };

  beforeEach(async () => {
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
    seeded = await seedCampaign(store, { source: { default_status: 'pending' } });
    receiver = await startReceiver(testRedisUrl(), store);
    workers = startWorkers(testRedisUrl(), receiver.prefix, store, { unknownClickidWindowMs: 1500 });
  });
  afterEach(async () => {
    await workers.close();
    await receiver.close();
    await store.close();
    dir.remove();
  });

  it('when a postback names a stored click, then a conversion carries the click dimensions and the defaults', async () => {
    const clickid = await click('?sub2=kw');
    const id = await postback(`clickid=${clickid}&sub5=p5`);
    const { items } = await store.listConversions({ clickid }, { limit: 10, cursor: null });
    expect(items).to.have.length(1);
    expect(items[0]).to.deep.include({
      type: null,
      status: 'pending',
      payout_micros: 2_500_000,
      currency: 'USD',
      duplicate_status: 'unknown',
      postback_ids: [id],
      subs: { sub5: 'p5' },
    });
    expect(items[0]?.click).to.deep.equal({
      campaign_id: seeded.campaign.id,
      offer_id: seeded.offer.id,
      offer_source_id: seeded.source.id,
      traffic_channel_id: seeded.channel.id,
      subs: { sub2: 'kw' },
      // The test client sends no user agent: what scripts do, so the click is a bot's.
      traits: { bot: 'true' },
    });
    expect(await store.getPostback(id)).to.deep.include({ outcome: 'recorded', conversion_id: items[0]?.id });
  });

  it('when a burst of clicks is queued many to a job, then the worker stores each click once with its subs', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => request(receiver.app).get(`/click/${seeded.campaign.id}?sub1=z${i}`).expect(302)),
    );
    const clickids = answers.map((res) => new URL(res.headers.location as string).searchParams.get('cid') as string);
    await waitFor('every click to be stored', async () => (await store.getClicks(clickids)).size === clickids.length);
    const stored = await store.getClicks(clickids);
    expect(clickids.map((id) => stored.get(id)?.subs)).to.deep.equal(clickids.map((_, i) => ({ sub1: `z${i}` })));
  });

  it('when every postback for one click is accepted, then each records a new conversion', async () => {
    const clickid = await click();
    await postback(`clickid=${clickid}&sum=1.1&status=approved`);
    await postback(`clickid=${clickid}&sum=2.2&status=approved`);
    const { items } = await store.listConversions({ clickid }, { limit: 10, cursor: null });
    expect(items.map((c) => c.payout_micros).sort()).to.deep.equal([1_100_000, 2_200_000]);
  });

  it('when the type is not configured, then the postback is rejected as unknown_type and nothing is recorded', async () => {
    const clickid = await click();
    await store.conversionTypes.put('Upsell', {
      name: 'Upsell',
      duplicate_mode: null,
      journey: false,
      send_to_channel: false,
      created_at: 1,
    });
    const id = await postback(`clickid=${clickid}&type=upsell`);
    expect(await store.getPostback(id)).to.deep.include({ outcome: 'rejected', reason: 'unknown_type', type: 'upsell' });
    expect((await store.listConversions({ clickid }, { limit: 10, cursor: null })).items).to.deep.equal([]);
  });

  it('when the click never arrives, then the postback is retried for the window and then rejected as unknown_clickid', async () => {
    const started = Date.now();
    const id = await postback('clickid=never-clicked');
    expect(Date.now() - started).to.be.at.least(1400);
    expect(await store.getPostback(id)).to.deep.include({ outcome: 'rejected', reason: 'unknown_clickid', clickid: 'never-clicked' });
    expect(workers.logLines().some((l) => l.message === 'postback waits for its click' && l.postbackId === id)).to.equal(true);
  });

  it('when the click is stored while the postback waits, then the postback is recorded', async () => {
    const res = await request(receiver.app).get('/postback?clickid=late-click&sum=3').expect(200);
    await waitFor('the postback to wait for its click', () =>
      workers.logLines().some((l) => l.message === 'postback waits for its click' && l.postbackId === res.body.id),
    );
    await store.insertClick(clickFor(seeded, { clickid: 'late-click', ts: Date.now() }));
    await workers.completed(res.body.id);
    expect(await store.getPostback(res.body.id)).to.deep.include({ outcome: 'recorded' });
  });

  it('when a postback was malformed, then the log keeps its raw parameters as rejected invalid_params', async () => {
    const id = await postback('clickid=c1&sum=abc', 400);
    expect(await store.getPostback(id)).to.deep.include({
      outcome: 'rejected',
      reason: 'invalid_params',
      raw: { clickid: 'c1', sum: 'abc' },
    });
  });

  it('when a completed postback job is retried (as the dashboard can), then the store is unchanged', async () => {
    const clickid = await click();
    const id = await postback(`clickid=${clickid}&sum=1`);
    const before = await store.listConversions({ clickid }, { limit: 10, cursor: null });
    const job = await receiver.postbacks.getJob(id);
    const runs = () =>
      workers
        .logLines()
        .filter((l) => l.message === 'postback processed' && l.postbackId === id)
        .map((l) => l.applied);
    await job?.retry('completed');
    const until = Date.now() + 5000;
    while (runs().length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(runs()).to.deep.equal([true, false]);
    expect(await store.listConversions({ clickid }, { limit: 10, cursor: null })).to.deep.equal(before);
    expect((await store.getPostback(id))?.outcome).to.equal('recorded');
  });

  it('when the store is locked longer than it waits, then the job fails transiently and is retried until it lands', async function () {
    this.timeout(30_000);
    const clickid = await click();
    const blocker = new BetterSqlite3(join(dir.path, 'store.db'));
    blocker.exec('BEGIN EXCLUSIVE');
    const res = await request(receiver.app).get(`/postback?clickid=${clickid}&sum=4`).expect(200);
    const failed = new Promise((resolve) => workers.postbackWorker.once('failed', resolve));
    await failed; // the store's 5 s busy timeout ran out: a transient error, not a rejection
    blocker.exec('COMMIT');
    blocker.close();
    const job = await workers.completed(res.body.id, 20_000);
    expect(job.attemptsMade).to.be.at.least(1);
    expect(await store.getPostback(res.body.id)).to.deep.include({ outcome: 'recorded' });
  });

  it('when postbacks are processed, then the worker counts them by outcome and reason and times the jobs', async () => {
    const clickid = await click();
    await postback(`clickid=${clickid}`);
    await postback(`clickid=${clickid}&type=Nope`);
    const text = await workers.metrics.registry.metrics();
    expect(text).to.match(/convtrack_postbacks_processed_total\{outcome="recorded",reason="",service="worker"\} 1/);
    expect(text).to.match(/convtrack_postbacks_processed_total\{outcome="rejected",reason="unknown_type",service="worker"\} 1/);
    expect(text).to.contain('convtrack_job_duration_seconds_count{service="worker",queue="postbacks"} 2');
  });

  describe('postback security', () => {
    const sourceWith = async (patch: Partial<Seeded['source']>) => {
      await store.offerSources.put(seeded.source.id, { ...seeded.source, ...patch });
      await new Promise((r) => setTimeout(r, 300));
    };

    it('when the token belongs to no offer source, then the receiver answers 403 and queues nothing', async () => {
      await sourceWith({ postback_token: 'token-of-source-A' });
      const res = await request(receiver.app).get('/postback?clickid=x&token=made-up-token').expect(403);
      expect(res.body.error.code).to.equal('POSTBACK.UNKNOWN_TOKEN');
      expect(await receiver.postbacks.count()).to.equal(0);
    });

    it("when the click's source has a token, then a postback without it, or with another source's, is rejected as token_mismatch", async () => {
      await store.offerSources.put('other', { ...seeded.source, id: 'other', postback_token: 'token-of-source-B' });
      await sourceWith({ postback_token: 'token-of-source-A' });
      const clickid = await click();
      const missing = await postback(`clickid=${clickid}`);
      const other = await postback(`clickid=${clickid}&token=token-of-source-B`);
      const right = await postback(`clickid=${clickid}&token=token-of-source-A`);
      expect((await store.getPostback(missing))?.reason).to.equal('token_mismatch');
      expect((await store.getPostback(other))?.reason).to.equal('token_mismatch');
      expect((await store.getPostback(right))?.outcome).to.equal('recorded');
      const logged = JSON.stringify([await store.getPostback(right), workers.logLines()]);
      expect(logged).not.to.contain('token-of-source-A');
    });

    it('when the source has an IP allowlist, then only senders inside it are recorded (behind a trusted proxy, the forwarded address counts)', async () => {
      await sourceWith({ ip_allowlist: ['203.0.113.0/24'] });
      const clickid = await click();
      const direct = await postback(`clickid=${clickid}`);
      const res = await request(receiver.app).get(`/postback?clickid=${clickid}`).set('X-Forwarded-For', '203.0.113.7').expect(200);
      await workers.completed(res.body.id);
      expect(await store.getPostback(direct)).to.deep.include({ outcome: 'rejected', reason: 'ip_not_allowed' });
      expect(await store.getPostback(res.body.id)).to.deep.include({ outcome: 'recorded', ip: '203.0.113.7' });
    });
  });
});
