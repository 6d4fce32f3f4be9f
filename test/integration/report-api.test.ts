import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import type { Express } from 'express';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildConversion, buildLogEntry, putConversion } from '../helpers/builders.js';
import { startReport, TEST_API_KEY } from '../helpers/report-harness.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { tempDir, uniquePrefix } from '../helpers/temp.js';

const KEY = TEST_API_KEY;
const auth = { Authorization: `Bearer ${KEY}` };

describe('report service API', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let app: Express;
  const api = () => ({
    get: (path: string) => request(app).get(`/api${path}`).set(auth),
    post: (path: string, body: object) => request(app).post(`/api${path}`).set(auth).send(body),
    patch: (path: string, body: object) => request(app).patch(`/api${path}`).set(auth).send(body),
    put: (path: string, body: object) => request(app).put(`/api${path}`).set(auth).send(body),
    del: (path: string) => request(app).delete(`/api${path}`).set(auth),
  });

  let close: () => Promise<void>;

  beforeEach(async () => {
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
    ({ app, close } = await startReport(testRedisUrl(), uniquePrefix(), store));
  });
  afterEach(async () => {
    await close();
    await store.close();
    dir.remove();
  });

  describe('auth', () => {
    for (const [what, headers] of [
      ['no key', {}],
      ['a wrong key', { Authorization: 'Bearer wrong' }],
      ['the key in another scheme', { Authorization: `Basic ${KEY}` }],
    ] as const) {
      it(`when a request carries ${what}, then it is refused with 401`, async () => {
        const res = await request(app).get('/api/offer-sources').set(headers).expect(401);
        expect(res.body.error.code).to.equal('AUTH.UNAUTHORIZED');
      });
    }
    it('when the key is in the query string, then it is refused with 401', async () => {
      await request(app).get(`/api/reports?api_key=${KEY}&key=${KEY}`).expect(401);
    });
  });

  describe('settings', () => {
    it('when the chain source → offer → channel → campaign is created, then the answers carry the URLs to paste, and the token is never shown again', async () => {
      const source = (await api().post('/offer-sources', { name: 'Net', postback_token: 'tok-12345' }).expect(201)).body;
      expect(source).to.include({ name: 'Net', default_status: 'approved', duplicate_mode: 'create_new', postback_token: '…2345' });
      expect(source.postback_url).to.equal('https://track.example/postback?clickid={clickid}&sum={sum}&token=<postback_token>');
      expect(JSON.stringify((await api().get('/offer-sources').expect(200)).body)).not.to.contain('tok-12345');
      const offer = (
        await api()
          .post('/offers', { name: 'O', url: 'https://o.example/?c={clickid}', offer_source_id: source.id, payout: '3.10' })
          .expect(201)
      ).body;
      expect(offer.payout).to.equal(3.1);
      const channel = (await api().post('/traffic-channels', { name: 'C' }).expect(201)).body;
      const campaign = (await api().post('/campaigns', { name: 'K', traffic_channel_id: channel.id, offer_id: offer.id }).expect(201)).body;
      expect(campaign.click_url).to.equal(`https://track.example/click/${campaign.id}`);
      expect((await api().get('/campaigns').expect(200)).body.items).to.have.length(1);
      const patched = (await api().patch(`/offers/${offer.id}`, { payout: 4 }).expect(200)).body;
      expect(patched).to.include({ payout: 4, name: 'O', url: 'https://o.example/?c={clickid}' });
    });

    it('when a body is invalid, then the 400 names each bad field and what is allowed', async () => {
      const res = await api().post('/offer-sources', { default_status: 'Approved', duplicate_mode: 'skip' }).expect(400);
      const fields = res.body.error.details.map((d: { field: string }) => d.field).sort();
      expect(fields).to.deep.equal(['default_status', 'duplicate_mode', 'name']);
      const status = res.body.error.details.find((d: { field: string }) => d.field === 'default_status');
      expect(status.allowed).to.deep.equal(['approved', 'pending', 'declined', 'other']);
    });

    it('when a reference or an id is unknown, then it is a 400 naming the field or a 404', async () => {
      const res = await api().post('/offers', { name: 'O', url: 'https://o.example', offer_source_id: 'nope' }).expect(400);
      expect(res.body.error.details[0].field).to.equal('offer_source_id');
      await api().get('/offers/nope').expect(404);
      await api().patch('/campaigns/nope', { name: 'x' }).expect(404);
      await api().del('/traffic-channels/nope').expect(404);
    });

    it('when an offer source still has offers, then deleting it is refused with 409', async () => {
      const source = (await api().post('/offer-sources', { name: 'Net' })).body;
      await api().post('/offers', { name: 'O', url: 'https://o.example', offer_source_id: source.id }).expect(201);
      await api().del(`/offer-sources/${source.id}`).expect(409);
    });

    it('when conversion types are put, then names keep their case and the journey limit is enforced', async () => {
      await api().put('/conversion-types/Upsell', { duplicate_mode: 'ignore', journey: true }).expect(200);
      await api().put('/conversion-types/upsell', { journey: true }).expect(200);
      const refused = await api().put('/conversion-types/Lead', { journey: true }).expect(409);
      expect(refused.body.error.message).to.contain('JOURNEY_TYPE_LIMIT');
      expect(refused.body.error.message).to.contain('at most 2');
      await api().put('/conversion-types/Lead', { journey: false }).expect(200);
      const names = (await api().get('/conversion-types').expect(200)).body.items.map((t: { name: string }) => t.name);
      expect(names).to.deep.equal(['Lead', 'Upsell', 'upsell']);
      await api().put('/conversion-types/Upsell', { duplicate_mode: 'sometimes' }).expect(400);
    });
  });

  describe('logs and reports', () => {
    beforeEach(async () => {
      const clicks = [buildClick({ campaign_id: 'A' }), buildClick({ campaign_id: 'A' }), buildClick({ campaign_id: 'B' })];
      for (const c of clicks) await store.insertClick(c);
      const [first, second] = clicks as [ReturnType<typeof buildClick>, ReturnType<typeof buildClick>];
      const rows = [
        [first, null, 'approved', 100_000],
        [first, 'Upsell', 'approved', 200_000],
        [second, null, 'pending', 5_000_000],
      ] as const;
      for (const [click, type, status, payout] of rows) {
        await putConversion(store, buildConversion(click, { type, status, payout_micros: payout }));
      }
      await store.logRejected(buildLogEntry({ outcome: 'rejected', reason: 'unknown_type' }));
    });

    it('when the conversion log is paged, then every conversion appears once with its money as a number', async () => {
      const first = (await api().get('/conversions?limit=2').expect(200)).body;
      expect(first.items).to.have.length(2);
      const second = (await api().get(`/conversions?limit=2&cursor=${first.next_cursor}`).expect(200)).body;
      expect(second.items).to.have.length(1);
      expect(second.next_cursor).to.equal(null);
      const payouts = [...first.items, ...second.items].map((c: { payout: number }) => c.payout).sort();
      expect(payouts).to.deep.equal([0.1, 0.2, 5]);
      await api().get('/conversions?cursor=garbage').expect(400);
      await api().get('/conversions?status=Approved').expect(400);
    });

    it('when the postback log is filtered by outcome, then only those entries come back', async () => {
      const res = (await api().get('/postbacks?outcome=rejected').expect(200)).body;
      expect(res.items.map((p: { reason: string }) => p.reason)).to.deep.equal(['unknown_type']);
    });

    it('when the report is grouped by type and status, then each row has exact conversions and revenue against all the clicks', async () => {
      const res = (await api().get('/reports?group_by=type,status').expect(200)).body;
      expect(res.rows.map((r: Record<string, unknown>) => [r.type, r.status, r.clicks, r.conversions, r.revenue])).to.deep.equal([
        [null, 'approved', 3, 1, 0.1],
        [null, 'pending', 3, 1, 5],
        ['Upsell', 'approved', 3, 1, 0.2],
      ]);
      expect(res.totals).to.deep.include({ clicks: 3, conversions: 3, revenue: 5.3 });
    });

    it('when the report is grouped by campaign, then clicks without conversions count too', async () => {
      const res = (await api().get('/reports?group_by=campaign').expect(200)).body;
      expect(res.rows.map((r: Record<string, unknown>) => [r.campaign, r.clicks, r.conversions, r.revenue])).to.deep.equal([
        ['A', 2, 3, 5.3],
        ['B', 1, 0, 0],
      ]);
    });

    it('when group_by or a date is bad, then the 400 names it', async () => {
      const res = await api().get('/reports?group_by=type,colour&from=yesterday').expect(400);
      const fields = res.body.error.details.map((d: { field: string }) => d.field).sort();
      expect(fields).to.deep.equal(['from', 'group_by']);
    });
  });
});
