import { expect } from 'chai';
import request from 'supertest';
import { newId } from '../../shared/domain/ids.js';
import { enqueue } from '../../shared/queue/queues.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildPostbackJob } from '../helpers/builders.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';

// Campaign A: four clicks on 20 Nov and two on 21 Nov in Tokyo (UTC+9), sub1 x or y;
// campaign B: one click. Three conversions on A through the queue. Costs go through
// the cost API, the queue and the worker; every figure below is counted by hand.
const at = (iso: string) => Date.parse(iso);
const CLICKS = [
  { id: 'a1', ts: '2026-11-19T16:00:00Z', sub1: 'x' }, // Tokyo 20 Nov 01:00
  { id: 'a2', ts: '2026-11-19T20:00:00Z', sub1: 'x' },
  { id: 'a3', ts: '2026-11-20T02:00:00Z', sub1: 'y' },
  { id: 'a4', ts: '2026-11-20T10:00:00Z', sub1: 'y' }, // Tokyo 20 Nov 19:00
  { id: 'a5', ts: '2026-11-20T16:00:00Z', sub1: 'x' }, // Tokyo 21 Nov 01:00
  { id: 'a6', ts: '2026-11-21T03:00:00Z', sub1: 'y' },
];
const CONVERSIONS = [
  { click: 'a1', payout: '10', at: '2026-11-19T17:00:00Z' },
  { click: 'a3', payout: '5', at: '2026-11-20T03:00:00Z' },
  { click: 'a5', payout: '7', at: '2026-11-20T17:00:00Z' },
];

describe('cost updates through the API, the queue and the worker', () => {
  let pipeline: Pipeline;
  let store: Store;
  let a: Seeded;
  let b: Seeded;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };
  const get = (path: string) => request(pipeline.report.app).get(`/api${path}`).set(auth);
  const post = (path: string, body: object) => request(pipeline.report.app).post(`/api${path}`).set(auth).send(body);
  const pick = (row: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, row[k]]));
  const MONEY = ['clicks', 'revenue', 'cost', 'profit', 'roi', 'cpc', 'cpa', 'epc'];

  /** Polls the cost job until the worker has settled it. */
  async function settled(id: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 200; i++) {
      const { body } = await get(`/costs/${id}`).expect(200);
      if (!['queued', 'processing'].includes(body.state)) return body;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`cost job ${id} not settled`);
  }
  const postCost = async (body: object) => settled((await post('/costs', body).expect(202)).body.id);
  const report = async (query: string) => (await get(`/reports?tz=Asia/Tokyo&from=2026-11-20&to=2026-11-21&${query}`).expect(200)).body;

  before(async () => {
    pipeline = await startPipeline();
    store = pipeline.store;
    a = await seedCampaign(store);
    b = await seedCampaign(store);
    const dims = (s: Seeded) => ({
      campaign_id: s.campaign.id,
      offer_id: s.offer.id,
      offer_source_id: s.source.id,
      traffic_channel_id: s.channel.id,
    });
    for (const c of CLICKS) await store.insertClick(buildClick({ ...dims(a), clickid: c.id, ts: at(c.ts), subs: { sub1: c.sub1 } }));
    await store.insertClick(buildClick({ ...dims(b), clickid: 'b1', ts: at('2026-11-20T01:00:00Z') }));
    for (const c of CONVERSIONS) {
      const id = newId();
      await enqueue(pipeline.receiver.postbacks, id, buildPostbackJob({ clickid: c.click, payout: c.payout }, { receivedAt: at(c.at) }));
      await pipeline.workers.completed(id);
    }
    await request(pipeline.report.app)
      .put('/api/fx-rates')
      .set(auth)
      .send({ rates: { EUR: '1.2' } })
      .expect(200);
  });
  after(async () => pipeline.close());

  it('when a cost is spread and a later one replaces part of it, then cost, profit and ROI match by day in Tokyo, by sub and by campaign', async () => {
    // 30 over A's six clicks: 5 each.
    const first = await postCost({ campaign_id: a.campaign.id, from: '2026-11-20', to: '2026-11-21', tz: 'Asia/Tokyo', cost: 30 });
    expect(first).to.include({ state: 'applied', clicks: 6, cost: 30, original_currency: 'USD' });
    // 3 EUR at 1.2 = 3.6 USD, for the x clicks of 21 Nov only (a5): it replaces a5's 5.
    const second = await postCost({
      campaign_id: a.campaign.id,
      from: '2026-11-21',
      to: '2026-11-21',
      tz: 'Asia/Tokyo',
      cost: '3',
      currency: 'EUR',
      sub1: 'x',
    });
    expect(second).to.include({
      state: 'applied',
      clicks: 1,
      cost: 3.6,
      original_cost: 3,
      original_currency: 'EUR',
      fx_rate: '1.2',
      sub1: 'x',
    });

    const byDay = await report(`group_by=date&campaign=${a.campaign.id}`);
    expect(byDay.rows.map((r: Record<string, unknown>) => pick(r, ['date', ...MONEY]))).to.deep.equal([
      { date: '2026-11-20', clicks: 4, revenue: 15, cost: 20, profit: -5, roi: -25, cpc: 5, cpa: 10, epc: 3.75 },
      { date: '2026-11-21', clicks: 2, revenue: 7, cost: 8.6, profit: -1.6, roi: -18.604651, cpc: 4.3, cpa: 8.6, epc: 3.5 },
    ]);
    const bySub = await report(`group_by=sub1&campaign=${a.campaign.id}`);
    expect(bySub.rows.map((r: Record<string, unknown>) => pick(r, ['sub1', ...MONEY]))).to.deep.equal([
      { sub1: 'x', clicks: 3, revenue: 17, cost: 13.6, profit: 3.4, roi: 25, cpc: 4.533333, cpa: 6.8, epc: 5.666667 },
      { sub1: 'y', clicks: 3, revenue: 5, cost: 15, profit: -10, roi: -66.666667, cpc: 5, cpa: 15, epc: 1.666667 },
    ]);
    const byCampaign = await report('group_by=campaign&sort=campaign');
    const rows = Object.fromEntries(byCampaign.rows.map((r: Record<string, unknown>) => [r.campaign, pick(r, MONEY)]));
    expect(rows[a.campaign.id]).to.deep.equal({
      clicks: 6,
      revenue: 22,
      cost: 28.6,
      profit: -6.6,
      roi: -23.076923,
      cpc: 4.766667,
      cpa: 9.533333,
      epc: 3.666667,
    });
    expect(rows[b.campaign.id]).to.deep.include({ clicks: 1, cost: 0 });
    expect(byCampaign.totals).to.deep.include({ cost: 28.6, profit: -6.6 });
  });

  it('when the last update is undone, then the one before it applies again', async () => {
    const undo = await settled((await post('/costs/undo', { campaign_id: a.campaign.id }).expect(202)).body.id);
    expect(undo).to.include({ state: 'applied', clicks: 1 });
    const byDay = await report(`group_by=date&campaign=${a.campaign.id}`);
    expect(byDay.rows.map((r: Record<string, unknown>) => pick(r, ['date', 'cost', 'profit']))).to.deep.equal([
      { date: '2026-11-20', cost: 20, profit: -5 },
      { date: '2026-11-21', cost: 10, profit: -3 },
    ]);
    expect((await get(`/costs/${String(undo.undoes)}`).expect(200)).body).to.include({ state: 'undone', undone_by: undo.id });
  });

  it('when a range has no clicks, then the update is reported back as such and nothing changes', async () => {
    const result = await postCost({ campaign_id: a.campaign.id, from: '2026-12-01', to: '2026-12-01', tz: 'Asia/Tokyo', cost: 99 });
    expect(result).to.include({ state: 'no_clicks', clicks: 0 });
    expect(result.message).to.match(/no clicks .* nothing to spread/);
    expect((await report(`campaign=${a.campaign.id}`)).totals).to.deep.include({ cost: 30 });
  });

  it('when costs come as CSV, then each line is a campaign-day update in file order (a later line wins), and a bad line refuses the file', async () => {
    const bad = await request(pipeline.report.app)
      .post('/api/costs/bulk?tz=Asia/Tokyo')
      .set({ ...auth, 'Content-Type': 'text/csv' })
      .send(`campaign_id,date,cost\n${a.campaign.id},2026-11-20,8\nnope,2026-11-20,-1\n`)
      .expect(400);
    expect(bad.body.error.message).to.match(/line 3/);
    const empty = await request(pipeline.report.app)
      .post('/api/costs/bulk')
      .set({ ...auth, 'Content-Type': 'text/csv' })
      .send('')
      .expect(400);
    expect(empty.body.error.message).to.contain('send the CSV as the body');
    const ok = await request(pipeline.report.app)
      .post('/api/costs/bulk?tz=Asia/Tokyo')
      .set({ ...auth, 'Content-Type': 'text/csv' })
      .send(`campaign_id,date,cost,currency\n${a.campaign.id},2026-11-20,8,USD\n${a.campaign.id},2026-11-20,10,EUR\n`)
      .expect(202);
    expect(ok.body.queued).to.equal(2);
    for (const item of ok.body.items as Array<{ id: string }>) await settled(item.id);
    // 10 EUR = 12 USD over the four clicks of 20 Nov: 3 each; 21 Nov keeps 10.
    const byDay = await report(`group_by=date&campaign=${a.campaign.id}`);
    expect(byDay.rows.map((r: Record<string, unknown>) => pick(r, ['date', 'cost', 'cpc']))).to.deep.equal([
      { date: '2026-11-20', cost: 12, cpc: 3 },
      { date: '2026-11-21', cost: 10, cpc: 5 },
    ]);
  });

  it('when a cost is in a currency without a rate, or the body is wrong, then the 400 names the field and nothing is queued', async () => {
    const noRate = await post('/costs', {
      campaign_id: a.campaign.id,
      from: '2026-11-20',
      to: '2026-11-20',
      cost: 5,
      currency: 'GBP',
    }).expect(400);
    expect(noRate.body.error.details).to.deep.include({
      field: 'currency',
      message: 'currency: no exchange rate from GBP to USD; set one with PUT /api/fx-rates',
    });
    const wrong = await post('/costs', {
      campaign_id: 'nope',
      from: '2026-11-21',
      to: '2026-11-20',
      cost: '1.1234567',
      currency: 'XXQ',
    }).expect(400);
    expect(wrong.body.error.details.map((d: { field: string }) => d.field).sort()).to.deep.equal(['cost', 'currency']);
    const unknownCampaign = await post('/costs', { campaign_id: 'nope', from: '2026-11-21', to: '2026-11-20', cost: 1 }).expect(400);
    expect(unknownCampaign.body.error.details.map((d: { field: string }) => d.field).sort()).to.deep.equal(['campaign_id', 'to']);
    expect((await get(`/costs?campaign_id=${a.campaign.id}`).expect(200)).body.items).to.have.length(6);
  });
});
