import { expect } from 'chai';
import request from 'supertest';
import { loadConfig } from '../../shared/config/config.js';
import type { DuplicateMode } from '../../shared/domain/duplicate-modes.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue } from '../../shared/queue/queues.js';
import { startHttpSink, type HttpSink } from '../helpers/http-sink.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { clickFor, seedCampaign, type Seeded } from '../helpers/seed.js';
import { queueSettled } from '../helpers/wait.js';

interface Row {
  [column: string]: unknown;
}

describe('reversals (specification §11): money taken back, reported gross, reversed and net, and told to the channel', () => {
  let pipeline: Pipeline;
  let sink: HttpSink;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };

  before(async () => {
    sink = await startHttpSink();
    const platforms = { ...loadConfig({}).outbound.platforms, facebookGraphUrl: sink.base };
    // A short unknown-clickid window: a reversal with nothing to reverse waits this long before it is rejected.
    pipeline = await startPipeline(
      { unknownClickidWindowMs: 1500 },
      { outbound: { backoffMs: 40, attempts: 3, timeoutMs: 2000, platforms } },
    );
  });
  after(async () => {
    await pipeline.close();
    await sink.close();
  });

  const api = () => request(pipeline.report.app);
  const outboundSettled = () => queueSettled(createQueue(QueueNames.OUTBOUND, pipeline.receiver.redis, pipeline.receiver.prefix));
  const postback = async (query: string) => {
    const res = await request(pipeline.receiver.app).get(`/postback?${query}`).expect(200);
    await pipeline.workers.completed(res.body.id, 15_000);
    return (await api().get(`/api/postbacks/${res.body.id}`).set(auth).expect(200)).body;
  };
  const conversion = async (id: string) =>
    (await api().get(`/api/conversions?limit=500`).set(auth).expect(200)).body.items.find((c: Row) => c.id === id);
  const totalsOf = async (seeded: Seeded): Promise<Row> =>
    (await api().get(`/api/reports?group_by=campaign&offer_source=${seeded.source.id}`).set(auth).expect(200)).body.totals;
  const deliveries = async (conversionId: string): Promise<Row[]> =>
    (await api().get(`/api/outbound?conversion_id=${conversionId}`).set(auth).expect(200)).body.items;

  it('when a postback reverses a conversion, then it is declined with who and why, its revenue leaves net revenue, and the channel gets its reversal URL', async () => {
    const seeded = await seedCampaign(pipeline.store, {
      channel: {
        postback_url: `${sink.base}/pb?cid={external_id}&status={status}&payout={payout}`,
        reversal_url: `${sink.base}/rev?cid={external_id}&why={reversal_reason}&payout={payout}`,
        send_statuses: ['approved', 'declined'],
        trusted: true,
      },
    });
    await pipeline.store.insertClick(clickFor(seeded, { clickid: 'rv-1', external_id: 'ext-rv-1' }));
    const sale = await postback('clickid=rv-1&sum=12.5');
    await outboundSettled();
    const reversal = await postback('clickid=rv-1&reversal=chargeback');
    expect(reversal).to.deep.include({ outcome: 'reversed', conversion_id: sale.conversion_id, detail: 'reason: chargeback' });
    const reversed = await conversion(sale.conversion_id);
    expect(reversed).to.deep.include({ status: 'declined', payout: 12.5 });
    expect(reversed.reversal).to.deep.include({
      reason: 'chargeback',
      source: 'postback',
      postback_id: reversal.id,
      previous_status: 'approved',
    });

    // The network sends it again: a repeat changes nothing and says so.
    const repeat = await postback('clickid=rv-1&reversal=chargeback');
    expect(repeat).to.deep.include({ outcome: 'ignored_duplicate', conversion_id: sale.conversion_id });
    await outboundSettled();
    // The reversal URL, once, not a declined postback as well.
    expect(sink.requests.map((r) => r.url)).to.deep.equal([
      '/pb?cid=ext-rv-1&status=approved&payout=12.5',
      '/rev?cid=ext-rv-1&why=chargeback&payout=12.5',
    ]);
    const log = await deliveries(sale.conversion_id);
    expect(log.map((d) => [d.kind ?? 'conversion', d.state])).to.have.deep.members([
      ['conversion', 'delivered'],
      ['reversal', 'delivered'],
    ]);

    expect(await totalsOf(seeded)).to.deep.include({
      conversions: 1,
      revenue: 0,
      gross_revenue: 12.5,
      reversed_conversions: 1,
      reversed_revenue: 12.5,
      net_revenue: 0,
      approved_conversions: 0,
      declined_conversions: 1,
    });
    const byStatus = (await api().get(`/api/reports?group_by=status&offer_source=${seeded.source.id}`).set(auth).expect(200)).body.rows;
    expect(byStatus.map((r: Row) => [r.status, r.conversions, r.gross_revenue, r.revenue])).to.deep.equal([['declined', 1, 12.5, 0]]);
    const declinedOnly = (
      await api().get(`/api/reports?group_by=campaign&status=declined&offer_source=${seeded.source.id}`).set(auth).expect(200)
    ).body;
    expect(declinedOnly.totals).to.deep.include({ conversions: 1, reversed_revenue: 12.5 });
  });

  it('when the API reverses a conversion, then it is logged with the caller, a channel sent declined ones hears by its postback URL, and a second reversal is refused', async () => {
    const seeded = await seedCampaign(pipeline.store, {
      channel: { postback_url: `${sink.base}/b?status={status}&cid={clickid}`, send_statuses: ['approved', 'declined'], trusted: true },
    });
    await pipeline.store.insertClick(clickFor(seeded, { clickid: 'rv-2' }));
    const sale = await postback('clickid=rv-2&sum=40&status=approved');
    await outboundSettled();
    const before = sink.requests.length;

    const res = await api()
      .post(`/api/conversions/${sale.conversion_id}/reverse`)
      .set(auth)
      .send({ reason: 'refund', note: 'ticket 4411' })
      .expect(200);
    expect(res.body).to.deep.include({ id: sale.conversion_id, status: 'declined' });
    expect(res.body.reversal).to.deep.include({
      reason: 'refund',
      source: 'api',
      note: 'ticket 4411',
      postback_id: null,
      previous_status: 'approved',
    });
    expect(res.body.reversal.request_id).to.be.a('string');
    await outboundSettled();
    expect(sink.requests.slice(before).map((r) => r.url)).to.deep.equal(['/b?status=declined&cid=rv-2']);

    const again = await api().post(`/api/conversions/${sale.conversion_id}/reverse`).set(auth).send({}).expect(409);
    expect(again.body.error.message).to.contain('reversed already');
    // No body at all is fine: every field is optional.
    await api().post('/api/conversions/nope/reverse').set(auth).expect(404);
    const bad = await api().post(`/api/conversions/${sale.conversion_id}/reverse`).set(auth).send({ reason: 'oops' }).expect(400);
    expect(bad.body.error.details[0]).to.include({ field: 'reason' });
    expect(await totalsOf(seeded)).to.deep.include({ revenue: 0, gross_revenue: 40, reversed_revenue: 40 });
  });

  it('when the channel’s integration cannot take a conversion back, then the reversal is logged as not sent, with why', async () => {
    const seeded = await seedCampaign(pipeline.store, {
      channel: {
        integration: 'facebook_capi',
        facebook: { pixel_id: '42', access_token: 'EAAB-token-1234', main_event_name: 'Purchase', test_event_code: null },
      },
    });
    await pipeline.store.insertClick(clickFor(seeded, { clickid: 'rv-3', external_id: 'fbclid-3' }));
    const sale = await postback('clickid=rv-3&sum=9');
    await outboundSettled();
    await api().post(`/api/conversions/${sale.conversion_id}/reverse`).set(auth).send({ reason: 'fraud' }).expect(200);
    await outboundSettled();
    const log = await deliveries(sale.conversion_id);
    const reversal = log.find((d) => d.kind === 'reversal');
    expect(reversal).to.deep.include({ state: 'not_sent', error: 'the Facebook Conversions API has no way to take an event back' });
    expect(log.find((d) => d.kind !== 'reversal')).to.deep.include({ state: 'delivered' });
  });

  it('when a reversal has nothing to reverse, then it waits for the conversion, is rejected nothing_to_reverse, and a replay after the conversion reverses it', async () => {
    const seeded = await seedCampaign(pipeline.store);
    await pipeline.store.insertClick(clickFor(seeded, { clickid: 'rv-4' }));
    const early = await postback('clickid=rv-4&type=&reversal=refund');
    expect(early).to.deep.include({ outcome: 'rejected', reason: 'nothing_to_reverse' });
    expect(early.detail).to.contain('click rv-4 has no conversion of the main conversion left to reverse');
    const sale = await postback('clickid=rv-4&sum=3');
    await api().post(`/api/postbacks/${early.id}/replay`).set(auth).expect(202);
    await pipeline.workers.completed(early.id, 15_000).catch(() => undefined);
    let replayed: Row = early;
    for (let i = 0; i < 100 && replayed.outcome !== 'reversed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      replayed = (await api().get(`/api/postbacks/${early.id}`).set(auth).expect(200)).body;
    }
    expect(replayed).to.deep.include({ outcome: 'reversed', conversion_id: sale.conversion_id });
    expect(await totalsOf(seeded)).to.deep.include({ revenue: 0, gross_revenue: 3 });
  });

  it('when a reversal postback carries a sum (one URL template for every event), then the whole conversion is reversed and the log says the sum was not used', async () => {
    const seeded = await seedCampaign(pipeline.store);
    await pipeline.store.insertClick(clickFor(seeded, { clickid: 'rv-5' }));
    const sale = await postback('clickid=rv-5&sum=30');
    const refund = await postback('clickid=rv-5&sum=10&reversal=refund');
    expect(refund).to.deep.include({
      outcome: 'reversed',
      conversion_id: sale.conversion_id,
      detail: 'reason: refund; its sum 10 is not used: a reversal takes back the whole conversion',
    });
    expect(await totalsOf(seeded)).to.deep.include({ revenue: 0, gross_revenue: 30, reversed_revenue: 30 });
  });

  // Each mode: 0.1 then 0.2 (event ids e1, e2), a reversal, then 0.3 (e3). Sums of tenths show float noise if any.
  const EXPECTED: Record<DuplicateMode, { gross: number; reversed: number; net: number }> = {
    create_new: { gross: 0.6, reversed: 0.2, net: 0.4 },
    new_or_repeated: { gross: 0.6, reversed: 0.2, net: 0.4 },
    ignore: { gross: 0.1, reversed: 0.1, net: 0 },
    edit: { gross: 0.3, reversed: 0.3, net: 0 },
    increment_payout: { gross: 0.6, reversed: 0.6, net: 0 },
    ignore_by_event_id: { gross: 0.6, reversed: 0.2, net: 0.4 },
  };
  for (const [mode, expected] of Object.entries(EXPECTED) as Array<[DuplicateMode, (typeof EXPECTED)[DuplicateMode]]>) {
    it(`when a conversion is reversed under ${mode}, then gross, reversed and net revenue are exact and agree with the conversion log`, async () => {
      const seeded = await seedCampaign(pipeline.store, { source: { duplicate_mode: mode } });
      const clickid = `rv-mode-${mode}`;
      await pipeline.store.insertClick(clickFor(seeded, { clickid }));
      await postback(`clickid=${clickid}&sum=0.1&event_id=e1`);
      await postback(`clickid=${clickid}&sum=0.2&event_id=e2`);
      const reversal = await postback(`clickid=${clickid}&reversal=chargeback`);
      expect(reversal.outcome).to.equal('reversed');
      await postback(`clickid=${clickid}&sum=0.3&event_id=e3&status=approved`);

      const totals = await totalsOf(seeded);
      expect({ gross: totals.gross_revenue, reversed: totals.reversed_revenue, net: totals.net_revenue }).to.deep.equal(expected);
      expect(totals.revenue).to.equal(expected.net);
      const log: Row[] = (await api().get(`/api/conversions?clickid=${clickid}`).set(auth).expect(200)).body.items;
      const micros = (rows: Row[]) => rows.reduce((sum, c) => sum + Math.round((c.payout as number) * 1e6), 0) / 1e6;
      expect(micros(log)).to.equal(expected.gross);
      expect(micros(log.filter((c) => c.reversal !== null))).to.equal(expected.reversed);
      // A reversed conversion stays declined whatever later postbacks carry.
      for (const c of log.filter((row) => row.reversal !== null)) expect(c.status).to.equal('declined');
    });
  }
});
