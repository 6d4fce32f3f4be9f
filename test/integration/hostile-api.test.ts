import { expect } from 'chai';
import request from 'supertest';
import type { Store } from '../../shared/store/store.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';

const AUTH = { Authorization: `Bearer ${TEST_API_KEY}` };
type Method = 'post' | 'put' | 'patch';

/** Every route that takes a JSON body, with a body it would accept. */
const BODY_ROUTES = (s: Seeded): Array<{ method: Method; path: string; good: object }> => [
  { method: 'post', path: '/offer-sources', good: { name: 'N' } },
  { method: 'patch', path: `/offer-sources/${s.source.id}`, good: { name: 'N2' } },
  { method: 'post', path: '/offers', good: { name: 'O', url: 'https://o.example/', offer_source_id: s.source.id } },
  { method: 'post', path: '/traffic-channels', good: { name: 'C' } },
  { method: 'post', path: '/campaigns', good: { name: 'K', traffic_channel_id: s.channel.id, offer_id: s.offer.id } },
  { method: 'put', path: '/conversion-types/Lead', good: {} },
  { method: 'put', path: '/fx-rates', good: { rates: { EUR: '1.1' } } },
  { method: 'post', path: '/costs', good: { campaign_id: s.campaign.id, from: '2026-11-01', to: '2026-11-02', cost: '5' } },
  { method: 'post', path: '/costs/undo', good: { campaign_id: s.campaign.id } },
  { method: 'post', path: '/postbacks/replay', good: { reason: 'unknown_type' } },
];

/** What the store holds of settings and costs: nothing a refused request may change. */
async function snapshot(store: Store): Promise<string> {
  const [sources, offers, channels, campaigns, types, rates, costs] = await Promise.all([
    store.offerSources.list(),
    store.offers.list(),
    store.trafficChannels.list(),
    store.campaigns.list(),
    store.conversionTypes.list(),
    store.fxRates.list(),
    store.listCosts({}, { limit: 100, cursor: null }),
  ]);
  return JSON.stringify({ sources, offers, channels, campaigns, types, rates, costs: costs.items });
}

describe('hostile API requests: a 4xx naming the field, nothing stored, never a 5xx', () => {
  let pipeline: Pipeline;
  let seeded: Seeded;
  const api = () => request(pipeline.report.app);
  const send = (method: Method, path: string) => api()[method](`/api${path}`).set(AUTH);

  before(async () => {
    pipeline = await startPipeline();
    seeded = await seedCampaign(pipeline.store);
  });
  after(async () => pipeline.close());

  const BAD_BODIES: Array<{ name: string; status: number; field: string; apply: (r: request.Test) => request.Test }> = [
    { name: 'no body', status: 400, field: 'body', apply: (r) => r },
    {
      name: 'a text/plain body',
      status: 415,
      field: 'content-type',
      apply: (r) => r.set('content-type', 'text/plain').send('{"name":"x"}'),
    },
    { name: 'a JSON array', status: 400, field: 'body', apply: (r) => r.set('content-type', 'application/json').send('[{"name":"x"}]') },
    { name: 'a JSON string', status: 400, field: 'body', apply: (r) => r.set('content-type', 'application/json').send('"x"') },
    {
      name: 'JSON nested 5,000 deep',
      status: 400,
      field: 'body',
      apply: (r) => r.set('content-type', 'application/json').send(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`),
    },
    {
      name: 'a __proto__ key',
      status: 400,
      field: 'body.__proto__',
      apply: (r) => r.set('content-type', 'application/json').send('{"name":"x","__proto__":{"admin":true}}'),
    },
    {
      name: 'a nested constructor key',
      status: 400,
      field: 'body.rates.constructor',
      apply: (r) => r.set('content-type', 'application/json').send('{"name":"x","rates":{"constructor":{"prototype":1}}}'),
    },
  ];

  for (const bad of BAD_BODIES) {
    it(`when a route that takes JSON gets ${bad.name}, then every such route answers ${bad.status} naming ${bad.field} and stores nothing`, async () => {
      const before = await snapshot(pipeline.store);
      for (const route of BODY_ROUTES(seeded)) {
        const res = await bad.apply(send(route.method, route.path));
        expect(res.status, `${route.method} ${route.path}: ${JSON.stringify(res.body)}`).to.equal(bad.status);
        expect(
          res.body.error.details.map((d: { field: string }) => d.field),
          `${route.method} ${route.path}`,
        ).to.include(bad.field);
      }
      expect(await snapshot(pipeline.store)).to.equal(before);
    });
  }

  it('when the rates are sent with a __proto__ key, then they are refused and the rates stay as they were', async () => {
    await send('put', '/fx-rates')
      .send({ rates: { EUR: '1.08' } })
      .expect(200);
    await send('put', '/fx-rates').set('content-type', 'application/json').send('{"rates":{"__proto__":{"EUR":"9"}}}').expect(400);
    expect((await api().get('/api/fx-rates').set(AUTH).expect(200)).body.rates).to.deep.equal({ EUR: '1.08' });
  });

  const IMPOSSIBLE = [
    '2026-13-45',
    '0000-00-00',
    '9999-12-31',
    '2026-02-30',
    '2026-11-30T25:00:00Z',
    '2026-11-30T10:00:00',
    'yesterday',
    '1',
  ];
  const DATE_ROUTES = ['/reports', '/conversions', '/postbacks', '/journeys/funnel', '/outbound', '/reports?format=csv'];

  it('when a date is impossible, then every route that takes one answers 400 naming the field', async () => {
    for (const path of DATE_ROUTES) {
      for (const date of IMPOSSIBLE) {
        for (const field of ['from', 'to']) {
          const res = await api()
            .get(`/api${path}${path.includes('?') ? '&' : '?'}${field}=${encodeURIComponent(date)}`)
            .set(AUTH);
          expect(res.status, `${path} ${field}=${date}`).to.equal(400);
          expect(res.body.error.details[0].field, `${path} ${field}=${date}`).to.equal(field);
        }
      }
    }
  });

  it('when a cost update names an impossible date, then it is a 400 naming the field, in JSON and in a CSV line', async () => {
    const before = await snapshot(pipeline.store);
    for (const date of IMPOSSIBLE) {
      const res = await send('post', '/costs').send({ campaign_id: seeded.campaign.id, from: date, to: '2026-11-02', cost: '5' });
      expect(res.status, date).to.equal(400);
      expect(res.body.error.details[0].field).to.equal('from');
      const csv = await send('post', '/costs/bulk')
        .set('content-type', 'text/csv')
        .send(`campaign_id,date,cost\n${seeded.campaign.id},${date},5\n`);
      expect(csv.status, date).to.equal(400);
      expect(csv.body.error.details[0].field).to.equal('line 2');
    }
    expect(await snapshot(pipeline.store)).to.equal(before);
  });

  it('when a real date is given, including the last day allowed, then it is taken', async () => {
    await api().get('/api/reports?from=2999-12-31&to=2999-12-31&tz=Pacific/Kiritimati').set(AUTH).expect(200);
    await api().get('/api/reports?from=2024-02-29&to=2026-11-30T23:59:59.999%2B05:30').set(AUTH).expect(200);
  });

  it('when a currency is a look-alike of an ISO code, then settings and cost updates refuse it', async () => {
    const before = await snapshot(pipeline.store);
    for (const currency of ['uſd', 'ınr', 'ＥＵＲ']) {
      for (const [method, path, body] of [
        ['post', '/offer-sources', { name: 'N', currency }],
        ['post', '/traffic-channels', { name: 'C', currency }],
        ['post', '/costs', { campaign_id: seeded.campaign.id, from: '2026-11-01', to: '2026-11-02', cost: '5', currency }],
      ] as const) {
        const res = await send(method, path).send(body);
        expect(res.status, `${path} ${currency}`).to.equal(400);
        expect(res.body.error.details[0].field).to.equal('currency');
      }
    }
    expect(await snapshot(pipeline.store)).to.equal(before);
  });

  it("when an id names one of BullMQ's own keys, then it is a 404, not a record made from it", async () => {
    for (const id of ['meta', 'events', 'id', 'wait', 'stalled-check', 'limiter']) {
      const res = await api().get(`/api/costs/${id}`).set(AUTH);
      expect(res.status, id).to.equal(404);
    }
  });

  it('when a dependency is down, then /readyz names it without its error text', async () => {
    await pipeline.store.close();
    const res = await request(pipeline.receiver.app).get('/readyz').expect(503);
    expect(res.body.checks).to.deep.equal({ redis: 'ok', store: 'down' });
    expect(pipeline.receiver.logLines().some((l) => l.message === 'dependency not ready' && l.dependency === 'store')).to.equal(true);
  });
});
