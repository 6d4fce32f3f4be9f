import { expect } from 'chai';
import request from 'supertest';
import { queuedPostback } from '../helpers/queued-postback.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick } from '../helpers/builders.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { seedCampaign } from '../helpers/seed.js';

// Every postback below names a stored click: if its refused body were ignored, the
// query string alone would make an approved conversion at the offer's payout.
const CLICK = 'hostile-click-1';
const TOKEN = 'tok-of-the-source-42';
const deep = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

interface Case {
  name: string;
  send: (app: Pipeline['receiver']['app']) => request.Test;
  status: number;
  code: string;
  field: string;
}

const post = (app: Pipeline['receiver']['app'], type: string | null, body: string) => {
  const req = request(app).post(`/postback?clickid=${CLICK}&token=${TOKEN}`);
  if (type) req.set('content-type', type);
  return req.send(body);
};

const CASES: Case[] = [
  ...[
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/x-www-form-urlencoded; charset=koi8-r',
  ].map((type): Case => ({
    name: `a body as ${type}`,
    send: (app) => post(app, type, 'sum=-5&status=declined'),
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    field: type.includes('koi8') ? 'body' : 'content-type',
  })),
  {
    name: 'a body with no content type',
    send: (app) => request(app).post(`/postback?clickid=${CLICK}`).set('content-type', '').send(Buffer.from('sum=-5')),
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    field: 'content-type',
  },
  ...['[1,2]', '"declined"', '42', 'null', 'true', '[{"status":"declined"}]'].map((body): Case => ({
    name: `a JSON body ${body}`,
    send: (app) => post(app, 'application/json', body),
    status: 400,
    code: 'POSTBACK.INVALID_PARAMS',
    field: 'body',
  })),
  {
    name: 'JSON nested 4,000 deep',
    send: (app) => post(app, 'application/json', deep(4_000)),
    status: 400,
    code: 'POSTBACK.INVALID_PARAMS',
    field: 'body',
  },
  {
    name: 'a nested value 40 deep',
    send: (app) => post(app, 'application/json', `{"sub1":${deep(40)}}`),
    status: 400,
    code: 'POSTBACK.INVALID_PARAMS',
    field: 'body',
  },
  {
    name: 'malformed JSON carrying the token',
    send: (app) => post(app, 'application/json', `{"token":"${TOKEN}","sum":`),
    status: 400,
    code: 'POSTBACK.INVALID_PARAMS',
    field: 'body',
  },
  {
    name: 'an XML body carrying the token',
    send: (app) => post(app, 'application/xml', `<pb><token>${TOKEN}</token></pb>`),
    status: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    field: 'content-type',
  },
  ...['uſd', 'ınr', 'ＵＳＤ', 'us'].map((currency): Case => ({
    name: `the look-alike currency ${currency}`,
    send: (app) => request(app).get(`/postback?clickid=${CLICK}&sum=1&currency=${encodeURIComponent(currency)}&token=${TOKEN}`),
    status: 400,
    code: 'POSTBACK.INVALID_PARAMS',
    field: 'currency',
  })),
  {
    name: 'a body over 32 kB',
    send: (app) => post(app, 'application/json', JSON.stringify({ clickid: CLICK, sub1: 'x'.repeat(40_000) })),
    status: 413,
    code: 'POSTBACK.INVALID_PARAMS',
    field: 'body',
  },
];

describe('hostile postbacks: refused cleanly, kept for the log, never a conversion, never a secret', () => {
  let pipeline: Pipeline;
  let store: Store;
  const api = (path: string) =>
    request(pipeline.report.app)
      .get(`/api${path}`)
      .set({ Authorization: `Bearer ${TEST_API_KEY}` });

  before(async () => {
    pipeline = await startPipeline();
    store = pipeline.store;
    const seeded = await seedCampaign(store, { source: { postback_token: TOKEN } });
    await store.insertClick(
      buildClick({
        clickid: CLICK,
        campaign_id: seeded.campaign.id,
        offer_id: seeded.offer.id,
        offer_source_id: seeded.source.id,
        traffic_channel_id: seeded.channel.id,
      }),
    );
    await new Promise((r) => setTimeout(r, 300)); // past the token directory's refresh spacing
  });
  after(async () => pipeline.close());

  for (const c of CASES) {
    it(`when a postback comes with ${c.name}, then it is a ${c.status} naming ${c.field}, logged as rejected, and no conversion is made`, async () => {
      const res = await c.send(pipeline.receiver.app);
      expect(res.status, JSON.stringify(res.body)).to.equal(c.status);
      expect(res.body.error.code).to.equal(c.code);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).to.include(c.field);
      const job = await queuedPostback(pipeline.receiver.postbacks, res.body.id);
      expect(job.params).to.equal(null);
      await pipeline.workers.completed(res.body.id);
      const logged = (await api(`/postbacks/${res.body.id}`).expect(200)).body;
      expect(logged).to.include({ outcome: 'rejected', reason: 'invalid_params' });
      expect(JSON.stringify(job)).not.to.contain(TOKEN);
      expect(JSON.stringify(logged)).not.to.contain(TOKEN);
    });
  }

  it('when any of them was sent, then the click has no conversion at all', async () => {
    expect((await store.listConversions({ clickid: CLICK }, { limit: 10, cursor: null })).items).to.deep.equal([]);
  });

  it('when parameters are named like object members, then they are kept as unknown parameters and the postback counts', async () => {
    const res = await request(pipeline.receiver.app)
      .get(`/postback?clickid=${CLICK}&toString=1&constructor=2&valueOf=3&hasOwnProperty=4&__proto__=5&token=${TOKEN}`)
      .expect(200);
    const job = await queuedPostback(pipeline.receiver.postbacks, res.body.id);
    expect(job.raw).to.deep.include({ toString: '1', constructor: '2', valueOf: '3', hasOwnProperty: '4' });
    expect(Object.hasOwn(job.raw, '__proto__')).to.equal(true);
    const entry = await pipeline.workers.completed(res.body.id);
    expect(entry.returnvalue).to.deep.include({ outcome: 'recorded' });
  });

  it('when HEAD is sent to /postback or /click, then it answers and nothing is queued', async () => {
    const all = ['completed', 'waiting', 'active', 'delayed', 'failed'] as const;
    const before = await pipeline.receiver.postbacks.getJobCountByTypes(...all);
    const clicksBefore = await pipeline.receiver.clicks.getJobCountByTypes(...all);
    await request(pipeline.receiver.app).head(`/postback?clickid=${CLICK}&sum=5&token=${TOKEN}`).expect(200);
    const campaign = (await store.campaigns.list())[0];
    await request(pipeline.receiver.app).head(`/click/${campaign?.id}`).expect(200);
    await request(pipeline.receiver.app).head('/click/no-such-campaign').expect(404);
    expect(await pipeline.receiver.postbacks.getJobCountByTypes(...all)).to.equal(before);
    expect(await pipeline.receiver.clicks.getJobCountByTypes(...all)).to.equal(clicksBefore);
  });

  it('when all of it is done, then no log line, postback log page or CSV holds the token', async () => {
    const lines = JSON.stringify([...pipeline.receiver.logLines(), ...pipeline.workers.logLines(), ...pipeline.report.logLines()]);
    expect(lines).not.to.contain(TOKEN);
    expect(JSON.stringify((await api('/postbacks?limit=1000').expect(200)).body)).not.to.contain(TOKEN);
    expect((await api('/postbacks?format=csv').expect(200)).text).not.to.contain(TOKEN);
    const jobs = await pipeline.receiver.postbacks.getJobs(['completed', 'failed', 'waiting', 'delayed'], 0, 1000);
    expect(jobs.length).to.be.greaterThan(CASES.length);
    expect(JSON.stringify(jobs.map((j) => j.data))).not.to.contain(TOKEN);
  });
});
