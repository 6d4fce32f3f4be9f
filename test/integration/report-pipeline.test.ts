import { expect } from 'chai';
import request from 'supertest';
import { newId } from '../../shared/domain/ids.js';
import { enqueue } from '../../shared/queue/queues.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildPostbackJob } from '../helpers/builders.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { seedCampaign } from '../helpers/seed.js';

// Two clicks either side of midnight in Tokyo (UTC+9), both on 2026-11-20 in UTC,
// and five postbacks through the queue and the worker, counted by hand below.
const at = (iso: string) => Date.parse(iso);
const POSTBACKS = [
  { click: 'c1', type: null, status: 'approved', payout: '10.10', at: at('2026-11-20T14:40:00Z') },
  { click: 'c1', type: 'Deposit', status: 'pending', payout: '5.05', at: at('2026-11-20T14:50:00Z') },
  { click: 'c2', type: null, status: 'declined', payout: '0', at: at('2026-11-20T15:40:00Z') },
  { click: 'c2', type: 'Deposit', status: 'approved', payout: '3.333333', at: at('2026-11-20T15:45:00Z') },
  { click: 'c2', type: 'Upsell', status: 'other', payout: null, at: at('2026-11-20T15:50:00Z') },
] as const;

describe('reports over postbacks sent through the pipeline', () => {
  let pipeline: Pipeline;
  let store: Store;
  const get = (path: string) =>
    request(pipeline.report.app)
      .get(`/api${path}`)
      .set({ Authorization: `Bearer ${TEST_API_KEY}` });
  const pick = (row: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, row[k]]));

  before(async () => {
    pipeline = await startPipeline();
    store = pipeline.store;
    const { receiver, workers } = pipeline;
    const seeded = await seedCampaign(store); // the offer pays 2.5 by default
    for (const name of ['Deposit', 'Upsell'])
      await store.conversionTypes.put(name, { name, duplicate_mode: null, journey: false, send_to_channel: false, created_at: 1 });
    const dims = {
      campaign_id: seeded.campaign.id,
      offer_id: seeded.offer.id,
      offer_source_id: seeded.source.id,
      traffic_channel_id: seeded.channel.id,
    };
    await store.insertClick(buildClick({ ...dims, clickid: 'c1', ts: at('2026-11-20T14:30:00Z') }));
    await store.insertClick(buildClick({ ...dims, clickid: 'c2', ts: at('2026-11-20T15:30:00Z') }));
    for (const p of POSTBACKS) {
      const id = newId();
      await enqueue(
        receiver.postbacks,
        id,
        buildPostbackJob({ clickid: p.click, type: p.type, status: p.status, payout: p.payout }, { receivedAt: p.at }),
      );
      await workers.completed(id);
    }
  });
  after(async () => pipeline.close());

  it('when the day is cut in UTC, then one row matches the hand count column by column', async () => {
    const { body } = await get('/reports?group_by=date').expect(200);
    expect(body.types).to.deep.equal(['Deposit', 'Upsell']);
    expect(body.rows).to.have.length(1);
    expect(body.rows[0]).to.deep.include({
      date: '2026-11-20',
      clicks: 2,
      conversions: 5,
      revenue: 20.983333,
      cost: 0,
      profit: 20.983333,
      roi: null,
      cr: 250,
      epc: 10.491667,
      cpa: 0,
      approved_conversions: 2,
      approved_revenue: 13.433333,
      pending_conversions: 1,
      pending_revenue: 5.05,
      declined_conversions: 1,
      declined_revenue: 0,
      other_conversions: 1,
      other_revenue: 2.5,
    });
    expect(body.rows[0].types).to.deep.equal({ Deposit: { conversions: 2, revenue: 8.383333 }, Upsell: { conversions: 1, revenue: 2.5 } });
    expect(body.totals).to.deep.include({ clicks: 2, conversions: 5, revenue: 20.983333 });
  });

  it('when the day is cut in Tokyo, then midnight splits the clicks and conversions into two days', async () => {
    const { body } = await get('/reports?group_by=date&tz=Asia/Tokyo').expect(200);
    const columns = [
      'date',
      'clicks',
      'conversions',
      'revenue',
      'approved_revenue',
      'pending_revenue',
      'declined_conversions',
      'other_revenue',
    ];
    expect(body.rows.map((r: Record<string, unknown>) => pick(r, columns))).to.deep.equal([
      {
        date: '2026-11-20',
        clicks: 1,
        conversions: 2,
        revenue: 15.15,
        approved_revenue: 10.1,
        pending_revenue: 5.05,
        declined_conversions: 0,
        other_revenue: 0,
      },
      {
        date: '2026-11-21',
        clicks: 1,
        conversions: 3,
        revenue: 5.833333,
        approved_revenue: 3.333333,
        pending_revenue: 0,
        declined_conversions: 1,
        other_revenue: 2.5,
      },
    ]);
    expect(body.rows.map((r: { types: unknown }) => r.types)).to.deep.equal([
      { Deposit: { conversions: 1, revenue: 5.05 }, Upsell: { conversions: 0, revenue: 0 } },
      { Deposit: { conversions: 1, revenue: 3.333333 }, Upsell: { conversions: 1, revenue: 2.5 } },
    ]);
    const only21 = await get('/reports?group_by=date&tz=Asia/Tokyo&from=2026-11-21&to=2026-11-21').expect(200);
    expect(only21.body.rows.map((r: { date: string }) => r.date)).to.deep.equal(['2026-11-21']);
    expect(only21.body.totals).to.deep.include({ clicks: 1, conversions: 3 });
  });

  it('when grouped by type and status and filtered, then rows and totals follow', async () => {
    const { body } = await get('/reports?group_by=type&status=approved&sort=-revenue').expect(200);
    expect(body.rows.map((r: Record<string, unknown>) => [r.type, r.conversions, r.revenue])).to.deep.equal([
      [null, 1, 10.1],
      ['Deposit', 1, 3.333333],
    ]);
    const main = await get('/reports?group_by=status&type=').expect(200);
    expect(main.body.rows.map((r: Record<string, unknown>) => [r.status, r.conversions])).to.deep.equal([
      ['approved', 1],
      ['declined', 1],
    ]);
  });

  it('when the same report is asked as CSV, then every cell equals the JSON, with a totals row', async () => {
    const json = (await get('/reports?group_by=date,type&tz=Asia/Tokyo').expect(200)).body;
    const csv = await get('/reports?group_by=date,type&tz=Asia/Tokyo&format=csv')
      .expect(200)
      .expect('content-type', /text\/csv/);
    const [header, ...lines] = csv.text
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(lines).to.have.length((json.rows as unknown[]).length + 1);
    json.rows.forEach((row: Record<string, unknown>, i: number) => {
      const cells = Object.fromEntries((header as string[]).map((h, j) => [h, lines[i]?.[j]]));
      for (const [key, value] of Object.entries(row)) {
        if (key === 'types') {
          for (const [t, v] of Object.entries(value as Record<string, { conversions: number; revenue: number }>)) {
            expect(cells[`${t} conversions`]).to.equal(String(v.conversions));
            expect(cells[`${t} revenue`]).to.equal(String(v.revenue));
          }
        } else expect(cells[key], key).to.equal(value === null ? '' : `${value as string | number}`);
      }
    });
    // The totals row is labelled in the first column, and no column is empty on every other row.
    expect(header).not.to.include('total');
    expect(lines[lines.length - 1]?.[0]).to.equal('Total');
    const totals = Object.fromEntries((header as string[]).map((h, j) => [h, lines[lines.length - 1]?.[j]]));
    expect(totals).to.include({
      clicks: String(json.totals.clicks),
      conversions: String(json.totals.conversions),
      revenue: String(json.totals.revenue),
    });
  });

  it('when a sub value looks like a spreadsheet formula, then the CSV defuses it', async () => {
    await store.insertClick(buildClick({ clickid: 'evil', subs: { sub1: '=HYPERLINK("http://x")' } }));
    const csv = await get('/reports?group_by=sub1&format=csv').expect(200);
    expect(csv.text).to.contain(`'=HYPERLINK`);
  });

  it('when the logs are filtered by type, status, campaign and time, then only matching entries come back, also as CSV', async () => {
    const ids = (res: { body: { items: Array<{ clickid: string; type: string | null }> } }) =>
      res.body.items.map((c) => `${c.clickid}/${c.type}`);
    expect(ids(await get('/conversions?type=').expect(200))).to.deep.equal(['c2/null', 'c1/null']);
    expect(ids(await get('/conversions?type=Deposit&status=approved').expect(200))).to.deep.equal(['c2/Deposit']);
    expect(ids(await get('/conversions?from=2026-11-20T15:00:00Z&to=2026-11-20T15:46:00Z').expect(200))).to.deep.equal([
      'c2/Deposit',
      'c2/null',
    ]);
    expect(ids(await get('/conversions?from=2026-11-21&to=2026-11-21&tz=Asia/Tokyo').expect(200))).to.have.length(3);
    const campaign = (await get('/reports?group_by=campaign').expect(200)).body.rows[0].campaign;
    expect(ids(await get(`/conversions?campaign=${campaign}&duplicate_status=unknown`).expect(200))).to.have.length(5);
    expect((await get('/conversions?campaign=nope').expect(200)).body.items).to.deep.equal([]);
    const postbacks = await get(`/postbacks?campaign=${campaign}&outcome=recorded&limit=2`).expect(200);
    expect(postbacks.body.items).to.have.length(2);
    expect(postbacks.body.next_cursor).to.be.a('string');
    const csv = await get('/conversions?type=Deposit&format=csv')
      .expect(200)
      .expect('content-type', /text\/csv/);
    const [header, ...lines] = csv.text.trim().split('\n');
    expect(header?.split(',')).to.include.members(['id', 'clickid', 'type', 'status', 'payout', 'duplicate_status']);
    expect(lines).to.have.length(2);
    await get('/conversions?duplicate_status=maybe&from=soon').expect(400);
  });

  it('when a parameter is bad, then the 400 names it', async () => {
    const res = await get('/reports?group_by=date,colour&tz=Mars/Base&sort=-size&status=ok').expect(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).to.deep.equal(['group_by', 'sort', 'status', 'tz']);
  });
});
