import { expect } from 'chai';
import request from 'supertest';
import { DAY_MS } from '../../shared/domain/time-zone.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';
import { waitFor } from '../helpers/wait.js';

/** The walk-through's case: one click, a main conversion and an Upsell; the buyer decides what counts. */
describe('counting rules per conversion type, over HTTP', () => {
  let pipeline: Pipeline;
  let seeded: Seeded;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };
  const api = () => request(pipeline.report.app);
  const totals = async () => {
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const { body } = await api()
      .get(`/api/reports?from=${day(today)}&to=${day(today + DAY_MS)}`)
      .set(auth)
      .expect(200);
    return body.totals as Record<string, unknown>;
  };

  before(async () => {
    pipeline = await startPipeline();
    seeded = await seedCampaign(pipeline.store);
    await api().put('/api/conversion-types/Upsell').set(auth).send({}).expect(200);
    const click = await request(pipeline.receiver.app).get(`/click/${seeded.campaign.id}`).expect(302);
    const clickid = new URL(click.headers.location as string).searchParams.get('cid') as string;
    await waitFor('the click to be stored', async () => (await pipeline.store.getClick(clickid)) !== null);
    for (const query of [`clickid=${clickid}&sum=10`, `clickid=${clickid}&sum=4&type=Upsell`]) {
      const res = await request(pipeline.receiver.app).get(`/postback?${query}`).expect(200);
      await pipeline.workers.completed(res.body.id as string);
    }
    // Cost 2 for the click, so CPA shows.
    const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
    const cost = await api()
      .post('/api/costs')
      .set(auth)
      .send({ campaign_id: seeded.campaign.id, from: today, to: today, cost: 2 })
      .expect(202);
    await waitFor(
      'the cost to apply',
      async () =>
        (
          await api()
            .get(`/api/costs/${String(cost.body.id)}`)
            .set(auth)
        ).body.state === 'applied',
    );
  });
  after(async () => pipeline.close());

  it('when every type counts (the default), then one click with a sale and an upsell reads CR 200% and CPA 1', async () => {
    const type = await api().get('/api/conversion-types/Upsell').set(auth).expect(200);
    expect(type.body).to.include({ counts_in_conversions: true, counts_in_revenue: true });
    expect(await totals()).to.deep.include({ clicks: 1, conversions: 2, revenue: 14, cost: 2, cr: 200, cpa: 1, epc: 14 });
  });

  it('when Upsell counts in neither, then CR is 100%, CPA and revenue are the sale’s, and Upsell keeps its own columns', async () => {
    await api().put('/api/conversion-types/Upsell').set(auth).send({ counts_in_conversions: false, counts_in_revenue: false }).expect(200);
    const t = await totals();
    expect(t).to.deep.include({ conversions: 1, revenue: 10, cr: 100, cpa: 2, epc: 10, profit: 8, roi: 400 });
    expect(t.types).to.deep.equal({ Upsell: { conversions: 1, revenue: 4 } });
    expect(t).to.deep.include({ approved_conversions: 2, approved_revenue: 14 });
  });

  it('when Upsell counts in revenue but not in conversions, then its payout is revenue and CR is the sale’s alone', async () => {
    await api().put('/api/conversion-types/Upsell').set(auth).send({ counts_in_conversions: false }).expect(200);
    expect(await totals()).to.deep.include({ conversions: 1, revenue: 14, cr: 100, cpa: 2, epc: 14 });
  });
});
