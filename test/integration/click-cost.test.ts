import { expect } from 'chai';
import request from 'supertest';
import { DAY_MS } from '../../shared/domain/time-zone.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A campaign names the click URL parameter its channel's cost macro fills: each click
 * costs what it says, converted into the account currency, until a cost update for
 * those clicks replaces it; undoing the update brings it back.
 */
describe('cost carried on the click URL', () => {
  let pipeline: Pipeline;
  let seeded: Seeded;
  let campaignId: string;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };
  const api = () => request(pipeline.report.app);
  const today = () => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  const tomorrow = () => new Date((Math.floor(Date.now() / DAY_MS) + 1) * DAY_MS).toISOString().slice(0, 10);
  const totals = async () =>
    (await api().get(`/api/reports?from=${today()}&to=${tomorrow()}&campaign=${campaignId}`).set(auth).expect(200)).body.totals as Record<
      string,
      unknown
    >;
  async function settled(id: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 200; i++) {
      const { body } = await api().get(`/api/costs/${id}`).set(auth).expect(200);
      if (!['queued', 'processing'].includes(body.state)) return body;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`cost job ${id} not settled`);
  }

  before(async () => {
    pipeline = await startPipeline();
    seeded = await seedCampaign(pipeline.store);
    await api()
      .put('/api/fx-rates')
      .set(auth)
      .send({ rates: { EUR: '1.1' } })
      .expect(200);
    const created = await api()
      .post('/api/campaigns')
      .set(auth)
      .send({
        name: 'Pops EUR',
        traffic_channel_id: seeded.channel.id,
        offer_id: seeded.offer.id,
        cost_param: 'cost',
        cost_currency: 'EUR',
      })
      .expect(201);
    expect(created.body).to.include({ cost_param: 'cost', cost_currency: 'EUR' });
    campaignId = created.body.id as string;
    // 0.05 EUR three times, 0.123456 EUR once, and a macro the channel left unfilled (no cost).
    const clickids: string[] = [];
    for (const cost of ['0.05', '0.05', '0.05', '0.123456', '{bid}']) {
      const res = await request(pipeline.receiver.app)
        .get(`/click/${campaignId}?cost=${encodeURIComponent(cost)}`)
        .expect(302);
      clickids.push(new URL(res.headers.location as string).searchParams.get('cid') as string);
    }
    await waitFor('every click to be stored', async () => (await pipeline.store.getClicks(clickids)).size === clickids.length);
    const res = await request(pipeline.receiver.app)
      .get(`/postback?clickid=${String(clickids[0])}&sum=1`)
      .expect(200);
    await pipeline.workers.completed(res.body.id as string);
  });
  after(async () => pipeline.close());

  it('when clicks carry their cost, then reports add it up exactly in the account currency, with profit and ROI', async () => {
    // 3 × 0.05 × 1.1 = 0.165; 0.123456 × 1.1 = 0.1358016, rounded half up to 0.135802; the unfilled macro costs 0.
    expect(await totals()).to.deep.include({ clicks: 5, conversions: 1, revenue: 1, cost: 0.300802, profit: 0.699198 });
  });

  it('when a cost update covers the clicks, then it replaces their own cost, and its undo brings their own cost back', async () => {
    const update = await api()
      .post('/api/costs')
      .set(auth)
      .send({ campaign_id: campaignId, from: today(), to: today(), cost: 10 })
      .expect(202);
    expect(await settled(update.body.id as string)).to.include({ state: 'applied', clicks: 5 });
    expect(await totals()).to.deep.include({ cost: 10, profit: -9 });
    const undo = await api().post('/api/costs/undo').set(auth).send({ campaign_id: campaignId }).expect(202);
    expect(await settled(undo.body.id as string)).to.include({ state: 'applied' });
    expect(await totals()).to.deep.include({ cost: 0.300802, profit: 0.699198 });
  });

  it('when a campaign names a parameter the click URL already uses, or no parameter name, then the 400 says which and why', async () => {
    const base = { name: 'x', traffic_channel_id: seeded.channel.id, offer_id: seeded.offer.id };
    const sub = await api()
      .post('/api/campaigns')
      .set(auth)
      .send({ ...base, cost_param: 'sub1' })
      .expect(400);
    expect(JSON.stringify(sub.body)).to.contain('cost_param').and.contain('already uses');
    const bad = await api()
      .post('/api/campaigns')
      .set(auth)
      .send({ ...base, cost_param: 'co st' })
      .expect(400);
    expect(JSON.stringify(bad.body)).to.contain('cost_param must be a URL parameter name');
  });
});
