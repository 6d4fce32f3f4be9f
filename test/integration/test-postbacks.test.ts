import { expect } from 'chai';
import request from 'supertest';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue } from '../../shared/queue/queues.js';
import { buildClick } from '../helpers/builders.js';
import { startHttpSink, type HttpSink } from '../helpers/http-sink.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';
import { queueSettled } from '../helpers/wait.js';

describe('test postbacks (specification §11): every rule runs, nothing counts, nothing is sent', () => {
  let pipeline: Pipeline;
  let sink: HttpSink;
  let seeded: Seeded;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };

  before(async () => {
    sink = await startHttpSink();
    pipeline = await startPipeline({}, { outbound: { backoffMs: 40, attempts: 2, timeoutMs: 2000 } });
    seeded = await seedCampaign(pipeline.store, {
      source: { duplicate_mode: 'ignore' },
      channel: { postback_url: `${sink.base}/pb?cid={external_id}&payout={payout}`, trusted: true },
    });
  });
  after(async () => {
    await pipeline.close();
    await sink.close();
  });

  const click = async (clickid: string) => {
    await pipeline.store.insertClick(
      buildClick({
        clickid,
        external_id: `ext-${clickid}`,
        campaign_id: seeded.campaign.id,
        offer_id: seeded.offer.id,
        offer_source_id: seeded.source.id,
        traffic_channel_id: seeded.channel.id,
      }),
    );
  };
  const postback = async (query: string) => {
    const res = await request(pipeline.receiver.app).get(`/postback?${query}`).expect(200);
    await pipeline.workers.completed(res.body.id);
    return (await request(pipeline.report.app).get(`/api/postbacks/${res.body.id}`).set(auth).expect(200)).body;
  };
  const totals = async () =>
    (await request(pipeline.report.app).get('/api/reports?group_by=campaign').set(auth).expect(200)).body.totals as Record<string, unknown>;

  it('when test=1 is sent, then the rules apply among test postbacks only, both logs show it marked test, and no report or channel sees it', async () => {
    await click('tp-1');
    const real = await postback('clickid=tp-1&sum=10');
    expect(real).to.include({ outcome: 'recorded', test: false });
    // Under `ignore` a second real postback would be ignored; a test one runs the rule among tests: recorded, then ignored.
    const test = await postback('clickid=tp-1&sum=5&test=1');
    expect(test).to.include({ outcome: 'recorded', test: true });
    const again = await postback('clickid=tp-1&sum=6&test=1');
    expect(again).to.include({ outcome: 'ignored_duplicate', test: true, conversion_id: test.conversion_id });

    const conversions = await request(pipeline.report.app).get('/api/conversions?clickid=tp-1').set(auth).expect(200);
    expect(conversions.body.items.map((c: { id: string; test: boolean; payout: number }) => [c.id, c.test, c.payout])).to.deep.equal([
      [test.conversion_id, true, 5],
      [real.conversion_id, false, 10],
    ]);
    const onlyTests = await request(pipeline.report.app).get('/api/conversions?clickid=tp-1&test=true').set(auth).expect(200);
    expect(onlyTests.body.items.map((c: { id: string }) => c.id)).to.deep.equal([test.conversion_id]);
    const testLog = await request(pipeline.report.app).get('/api/postbacks?clickid=tp-1&test=true').set(auth).expect(200);
    expect(testLog.body.items.map((p: { id: string }) => p.id).sort()).to.deep.equal([test.id, again.id].sort());

    expect(await totals()).to.include({ conversions: 1, revenue: 10, gross_revenue: 10 });
    await queueSettled(createQueue(QueueNames.OUTBOUND, pipeline.receiver.redis, pipeline.receiver.prefix));
    expect(sink.requests.map((r) => r.url)).to.deep.equal(['/pb?cid=ext-tp-1&payout=10']);
  });

  it('when the offer source is in test mode, then its postbacks are test postbacks without test=1, until it is switched off', async () => {
    await click('tp-2');
    await request(pipeline.report.app).patch(`/api/offer-sources/${seeded.source.id}`).set(auth).send({ test_mode: true }).expect(200);
    // The worker reads settings through a cache that reloads when they change.
    expect(await postback('clickid=tp-2&sum=3')).to.include({ outcome: 'recorded', test: true });
    await request(pipeline.report.app).patch(`/api/offer-sources/${seeded.source.id}`).set(auth).send({ test_mode: false }).expect(200);
    expect(await postback('clickid=tp-2&sum=4')).to.include({ outcome: 'recorded', test: false });
    expect(await totals()).to.include({ conversions: 2, revenue: 14 });
  });

  it('when test data is purged, then test conversions, their log entries and their duplicate history are gone, and real ones stay', async () => {
    const purged = await request(pipeline.report.app).delete('/api/test-data').set(auth).expect(200);
    expect(purged.body.purged).to.deep.equal({ conversions: 2, postbacks: 3 });
    expect((await request(pipeline.report.app).get('/api/conversions?test=true').set(auth).expect(200)).body.items).to.deep.equal([]);
    expect((await request(pipeline.report.app).get('/api/postbacks?test=true').set(auth).expect(200)).body.items).to.deep.equal([]);
    expect((await request(pipeline.report.app).get('/api/conversions?test=false').set(auth).expect(200)).body.items).to.have.length(2);
    // The test ledger went too: under `ignore`, a new test postback for the same click is the first again.
    expect(await postback('clickid=tp-1&sum=5&test=1')).to.include({ outcome: 'recorded', test: true });
    expect(await totals()).to.include({ conversions: 2, revenue: 14 });
  });

  it('when test= is not 1, 0, true or false, then the postback is refused naming the parameter, and the raw request is logged', async () => {
    const res = await request(pipeline.receiver.app).get('/postback?clickid=tp-1&test=yes').expect(400);
    await pipeline.workers.completed(res.body.id);
    expect(res.body.error.details).to.deep.equal([
      { field: 'test', message: 'test must be one of [1, 0, true, false]', allowed: ['1', '0', 'true', 'false'] },
    ]);
    const logged = await request(pipeline.report.app).get(`/api/postbacks/${res.body.id}`).set(auth).expect(200);
    expect(logged.body).to.deep.include({ outcome: 'rejected', reason: 'invalid_params', raw: { clickid: 'tp-1', test: 'yes' } });
  });
});
