import { expect } from 'chai';
import request from 'supertest';
import type { Store } from '../../shared/store/store.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';
import { buildClick } from '../helpers/builders.js';

describe('payouts in other currencies', () => {
  let pipeline: Pipeline;
  let store: Store;
  let seeded: Seeded;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };
  const postback = async (query: string): Promise<string> => {
    const res = await request(pipeline.receiver.app).get(`/postback?${query}`).expect(200);
    await pipeline.workers.completed(res.body.id);
    return res.body.id as string;
  };
  const conversion = async (clickid: string) => {
    const { body } = await request(pipeline.report.app).get(`/api/conversions?clickid=${clickid}`).set(auth).expect(200);
    return body.items[0];
  };

  before(async () => {
    pipeline = await startPipeline();
    store = pipeline.store;
    // This network pays in GBP when a postback names no currency; its offer's default payout is 2.5.
    seeded = await seedCampaign(store, { source: { currency: 'GBP' } });
    for (const clickid of ['k1', 'k2', 'k3']) {
      await store.insertClick(
        buildClick({
          clickid,
          campaign_id: seeded.campaign.id,
          offer_id: seeded.offer.id,
          offer_source_id: seeded.source.id,
          traffic_channel_id: seeded.channel.id,
        }),
      );
    }
  });
  after(async () => pipeline.close());

  it('when a currency has no rate, then the postback is rejected as unknown_currency, and after the rate is set its replay converts it exactly', async () => {
    const id = await postback('clickid=k1&sum=10&currency=EUR');
    expect(await store.getPostback(id)).to.deep.include({ outcome: 'rejected', reason: 'unknown_currency' });
    expect((await store.getPostback(id))?.detail).to.contain('no exchange rate from EUR to USD');

    const put = await request(pipeline.report.app)
      .put('/api/fx-rates')
      .set(auth)
      .send({ rates: { EUR: '1.0842', GBP: 1.27 } })
      .expect(200);
    expect(put.body).to.deep.include({ base: 'USD', rates: { EUR: '1.0842', GBP: '1.27' } });
    await request(pipeline.report.app).post(`/api/postbacks/${id}/replay`).set(auth).expect(202);
    for (let i = 0; i < 200 && (await store.getPostback(id))?.outcome === 'rejected'; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await conversion('k1')).to.deep.include({
      payout: 10.842,
      currency: 'USD',
      original_payout: 10,
      original_currency: 'EUR',
      fx_rate: '1.0842',
    });
  });

  it("when a postback names no currency, then it is in the offer source's currency; the default payout too", async () => {
    await postback('clickid=k2&sum=100.01');
    expect(await conversion('k2')).to.deep.include({
      payout: 127.0127,
      original_payout: 100.01,
      original_currency: 'GBP',
      fx_rate: '1.27',
    });
    await postback('clickid=k3');
    expect(await conversion('k3')).to.deep.include({ payout: 3.175, original_payout: 2.5, original_currency: 'GBP' });
    const { body } = await request(pipeline.report.app).get(`/api/reports?campaign=${seeded.campaign.id}`).set(auth).expect(200);
    // 10.842 + 127.0127 + 3.175, summed in micros.
    expect(body.totals.revenue).to.equal(141.0297);
  });

  it('when the code is not ISO 4217 or a rate is malformed, then the 400 says which', async () => {
    const res = await request(pipeline.receiver.app).get('/postback?clickid=k1&sum=1&currency=ABC').expect(400);
    expect(JSON.stringify(res.body)).to.contain('currency must be an ISO 4217 currency code in use');
    const bad = await request(pipeline.report.app)
      .put('/api/fx-rates')
      .set(auth)
      .send({ rates: { EUR: '-1', XYZ: '2' } })
      .expect(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(['rates.EUR', 'rates.XYZ']);
  });
});
