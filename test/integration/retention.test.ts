import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import request from 'supertest';
import { DAY_MS } from '../../shared/domain/time-zone.js';
import { newId } from '../../shared/domain/ids.js';
import { enqueue } from '../../shared/queue/queues.js';
import { rebuild } from '../../shared/store/sqlite/rollup-schema.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildDelivery, buildLogEntry, buildPostbackJob } from '../helpers/builders.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';
import { waitFor } from '../helpers/wait.js';

/** Midnight UTC `days` days ago, plus `hours`. */
const daysAgo = (days: number, hours = 12): number => (Math.floor(Date.now() / DAY_MS) - days) * DAY_MS + hours * 3_600_000;
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe('retention: raw rows removed past their age, reports the rollups serve kept exact', () => {
  let pipeline: Pipeline;
  let store: Store;
  let seeded: Seeded;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };
  const report = (query: string) => request(pipeline.report.app).get(`/api/reports?${query}`).set(auth);
  const whole = `from=${dateOf(daysAgo(45))}&to=${dateOf(daysAgo(0))}`;
  const recent = `from=${dateOf(daysAgo(10))}&to=${dateOf(daysAgo(0))}`;
  const served = [
    'group_by=date',
    'group_by=campaign',
    'group_by=offer,traffic_channel',
    'group_by=sub1',
    'group_by=campaign,sub2',
    'group_by=date,type,status',
    'group_by=hour&tz=America/New_York',
    'group_by=country',
    'group_by=campaign,country',
    'group_by=date,country',
  ];

  beforeEach(async () => {
    pipeline = await startPipeline({}, { retention: { clicksDays: 30, postbacksDays: 30, deliveriesDays: 30 } });
    store = pipeline.store;
    seeded = await seedCampaign(store);
    await store.conversionTypes.put('Deposit', {
      name: 'Deposit',
      duplicate_mode: null,
      journey: false,
      send_to_channel: false,
      created_at: 1,
    });
    const dims = {
      campaign_id: seeded.campaign.id,
      offer_id: seeded.offer.id,
      offer_source_id: seeded.source.id,
      traffic_channel_id: seeded.channel.id,
    };
    // Old clicks (40 and 35 days ago) and recent ones, with subs and traits; conversions on some of each.
    const de = { country: 'DE', city: 'Berlin', device_type: 'mobile', bot: 'false' };
    const us = { country: 'US', city: 'Boston', device_type: 'desktop', bot: 'false' };
    const clicks = [
      { clickid: 'old-1', ts: daysAgo(40, 3), subs: { sub1: 'zone-a', sub2: 'p-1' }, traits: de },
      { clickid: 'old-2', ts: daysAgo(40, 20), subs: { sub1: 'zone-b', sub2: 'p-2' }, traits: us },
      { clickid: 'old-3', ts: daysAgo(35), subs: { sub1: 'zone-a' }, traits: { bot: 'true' } },
      { clickid: 'new-1', ts: daysAgo(5), subs: { sub1: 'zone-a', sub2: 'p-1' }, traits: de },
      { clickid: 'new-2', ts: daysAgo(1), subs: { sub2: 'p-3' }, traits: us },
    ];
    for (const click of clicks) await store.insertClick(buildClick({ ...dims, ...click }));
    const postbacks = [
      { click: 'old-1', at: daysAgo(40, 4), payout: '1.25', type: 'Deposit' },
      { click: 'old-3', at: daysAgo(35, 13), payout: '2.5', type: null },
      { click: 'new-1', at: daysAgo(5, 13), payout: '0.75', type: 'Deposit' },
    ];
    for (const p of postbacks) {
      const id = newId();
      await enqueue(
        pipeline.receiver.postbacks,
        id,
        buildPostbackJob({ clickid: p.click, payout: p.payout, type: p.type, status: 'approved' }, { receivedAt: p.at }),
      );
      await pipeline.workers.completed(id);
    }
    const rejected = { outcome: 'rejected', reason: 'unknown_type' } as const;
    await store.logRejected(buildLogEntry({ ...rejected, id: 'log-old', received_at: daysAgo(40), processed_at: daysAgo(40) }));
    await store.logRejected(buildLogEntry({ ...rejected, id: 'log-new', received_at: daysAgo(2), processed_at: daysAgo(2) }));
    for (const [id, state, created_at] of [
      ['dl-old-delivered', 'delivered', daysAgo(40)],
      ['dl-old-retrying', 'retrying', daysAgo(40)],
      ['dl-new-delivered', 'delivered', daysAgo(2)],
    ] as const)
      await store.createDelivery(buildDelivery({ id, state, created_at }));
  });
  afterEach(async () => pipeline.close());

  it('when the sweep removes what is past its days, then the reports the rollups serve are as before, and the others name the earliest date', async () => {
    const before = await Promise.all(served.map(async (q) => (await report(`${q}&${whole}`).expect(200)).body));
    const bySubsRecent = (await report(`group_by=sub1,sub2&${recent}`).expect(200)).body;
    expect(before[0].totals).to.deep.include({ clicks: 5, conversions: 3, revenue: 4.5 });

    const removed = await pipeline.workers.workers.retention.sweep();
    expect(removed).to.deep.equal({ clicks: 3, postbacks: 3, deliveries: 1 });
    expect([...(await store.getClicks(['old-1', 'old-2', 'old-3', 'new-1', 'new-2'])).keys()].sort()).to.deep.equal(['new-1', 'new-2']);
    expect(await store.getPostback('log-old')).to.equal(null);
    expect(await store.getPostback('log-new')).to.not.equal(null);
    expect((await store.listConversions({}, { limit: 10, cursor: null })).items).to.have.length(3);
    expect(await store.getDelivery('dl-old-delivered')).to.equal(null);
    expect(await store.getDelivery('dl-old-retrying')).to.not.equal(null);
    expect(await store.getDelivery('dl-new-delivered')).to.not.equal(null);

    // Served by the rollups: every row and total as before, to the micro.
    const after = await Promise.all(served.map(async (q) => (await report(`${q}&${whole}`).expect(200)).body));
    expect(after).to.deep.equal(before);
    // Needs raw clicks before the horizon: refused, naming the first day kept.
    const keptFrom = dateOf(daysAgo(30, 0));
    for (const q of [
      `group_by=sub1,sub2&${whole}`,
      `group_by=sub1&tz=America/New_York&${whole}`,
      `group_by=date,sub2&tz=Asia/Kolkata&${whole}`,
      // City and device have no rollup: their clicks were only in the raw rows.
      `group_by=city&${whole}`,
      `group_by=device_type&${whole}`,
    ]) {
      const res = await report(q);
      expect(res.status, q).to.equal(422);
      expect(res.body.error.code, q).to.equal('REPORT.RAW_DATA_REMOVED');
      expect(res.body.error.message, q).to.contain(`raw clicks before ${keptFrom}`);
      expect(res.body.error.details[0].field).to.equal('from');
    }
    // The same report over kept days: as before.
    expect((await report(`group_by=sub1,sub2&${recent}`).expect(200)).body).to.deep.equal(bySubsRecent);

    // A second sweep finds nothing more.
    expect(await pipeline.workers.workers.retention.sweep()).to.deep.equal({ clicks: 0, postbacks: 0, deliveries: 0 });
    const metrics = await pipeline.workers.metrics.registry.getSingleMetric('convtrack_retention_removed_total')?.get();
    expect(metrics?.values.map((v) => [v.labels.kind, v.value]).sort()).to.deep.equal([
      ['clicks', 3],
      ['deliveries', 1],
      ['postbacks', 3],
    ]);
  });

  it('when a cost update or undo would move cost over removed clicks, then it is refused naming the earliest date, and a later range is taken', async () => {
    const costs = request(pipeline.report.app);
    const spread = await costs
      .post('/api/costs')
      .set(auth)
      .send({ campaign_id: seeded.campaign.id, from: dateOf(daysAgo(40)), to: dateOf(daysAgo(35)), cost: '6' })
      .expect(202);
    await waitFor('the old cost to be applied', async () => (await store.getCost(spread.body.id))?.state === 'applied');
    const before = (await report(`group_by=date&${whole}`).expect(200)).body;
    await pipeline.workers.workers.retention.sweep();
    expect((await report(`group_by=date&${whole}`).expect(200)).body).to.deep.equal(before);

    const keptFrom = dateOf(daysAgo(30, 0));
    const message = (what: string) =>
      `from: the raw clicks before ${keptFrom} (UTC) were removed (CLICK_RETENTION_DAYS), so a cost cannot be ${what}; start on ${keptFrom} or later`;
    const old = await costs
      .post('/api/costs')
      .set(auth)
      .send({ campaign_id: seeded.campaign.id, from: dateOf(daysAgo(40)), to: dateOf(daysAgo(39)), cost: '10' })
      .expect(400);
    expect(old.body.error.details).to.deep.include({ field: 'from', message: message('spread over them') });
    const undo = await costs.post('/api/costs/undo').set(auth).send({ campaign_id: seeded.campaign.id }).expect(400);
    expect(undo.body.error.details).to.deep.include({ field: 'campaign_id', message: message('taken back from them') });
    const recentCost = await costs
      .post('/api/costs')
      .set(auth)
      .send({ campaign_id: seeded.campaign.id, from: dateOf(daysAgo(5)), to: dateOf(daysAgo(5)), cost: '3' })
      .expect(202);
    await waitFor('the recent cost to be applied', async () => (await store.getCost(recentCost.body.id))?.state === 'applied');
    const { body } = await report(`group_by=date&${whole}`).expect(200);
    expect(body.totals.cost).to.equal((before.totals.cost as number) + 3);
  });

  it('when clicks were removed, then a rebuild of the rollups from the raw tables is refused, naming the date, and the rollups are left as they were', async () => {
    await pipeline.workers.workers.retention.sweep();
    const before = (await report(`group_by=campaign&${whole}`).expect(200)).body;
    const db = new BetterSqlite3(pipeline.storePath);
    try {
      expect(() => rebuild(db)).to.throw(`retention removed the clicks before ${dateOf(daysAgo(30, 0))}T00:00:00.000Z`);
    } finally {
      db.close();
    }
    expect((await report(`group_by=campaign&${whole}`).expect(200)).body).to.deep.equal(before);
  });
});
