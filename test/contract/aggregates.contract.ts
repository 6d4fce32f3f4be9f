import { expect } from 'chai';
import type { Click } from '../../shared/domain/entities.js';
import { parseMoney } from '../../shared/domain/money.js';
import { BUCKET_MS, type AggregateRow, type Dimension, type Filters, type Store, type TimeRange } from '../../shared/store/store.js';
import { buildClick, buildConversion, projectionFor, putConversion } from '../helpers/builders.js';

/** Aggregates: counts, revenue and cost per group, exact, from rollups or raw rows alike. */
export function aggregateContract(store: () => Store): void {
  describe('aggregates', () => {
    it('when conversions are grouped by type and status, then counts and revenue are exact', async () => {
      const click = buildClick();
      const rows: Array<[string | null, 'approved' | 'pending', string]> = [
        [null, 'approved', '0.1'],
        [null, 'approved', '0.2'],
        ['Upsell', 'pending', '5.000001'],
      ];
      for (const [type, status, payout] of rows) {
        await putConversion(store(), buildConversion(click, { type, status, payout_micros: parseMoney(payout) }));
      }
      const groups = await store().aggregateConversions(['type', 'status'], { from: null, to: null }, {}, { distinctClicks: true });
      const byKey = Object.fromEntries(groups.map((g) => [`${g.key.type}/${g.key.status}`, [g.count, g.revenueMicros, g.distinctClicks]]));
      expect(byKey).to.deep.equal({ 'null/approved': [2, 300_000n, 1], 'Upsell/pending': [1, 5_000_001n, 1] });
      const main = await store().aggregateConversions([], { from: null, to: null }, { type: null, status: 'approved' });
      expect(main.map((g) => [g.count, g.revenueMicros])).to.deep.equal([[2, 300_000n]]);
    });

    it('when conversions are inserted, edited and removed, then every grouping answers what the raw rows add up to', async () => {
      const day = Date.UTC(2026, 10, 20);
      const clicks = [
        buildClick({ campaign_id: 'a', ts: day + 1000 }),
        buildClick({ campaign_id: 'b', ts: day + 50_000_000 }),
        buildClick({ campaign_id: 'a', ts: day + 90_000_000 }),
      ];
      for (const c of clicks) await store().insertClick({ ...c, cost_micros: 7 });
      const [c1, c2, c3] = clicks as [Click, Click, Click];
      const kept = buildConversion(c1, { created_at: day + 2000, payout_micros: 1_000_000 });
      const edited = buildConversion(c2, { type: 'Deposit', created_at: day + 60_000_000, payout_micros: 2_000_000, status: 'pending' });
      const removed = buildConversion(c3, { created_at: day + 100_000_000, payout_micros: 4_000_000 });
      for (const c of [kept, edited, removed]) await putConversion(store(), c);
      await store().writeProjection({
        ...projectionFor({ ...edited, status: 'approved', payout_micros: 2_500_000 }),
        removedConversionIds: [removed.id],
      });

      const ranges = [
        { from: null, to: null },
        { from: day, to: day + 2 * 86_400_000 },
        { from: day + 1800_000, to: day + 86_400_000 + 900_000 },
        { from: day + 1234, to: day + 99_999_999 },
      ];
      const groupings: Array<Parameters<Store['aggregateConversions']>[0]> = [
        [],
        ['type', 'status'],
        ['bucket', 'type'],
        ['campaign'],
        ['campaign', 'status'],
        ['sub1'],
      ];
      const sorted = (rows: Awaited<ReturnType<Store['aggregateConversions']>>) =>
        rows.map((r) => JSON.stringify([r.key, r.count, String(r.revenueMicros)])).sort();
      for (const range of ranges) {
        for (const groupBy of groupings) {
          const fast = await store().aggregateConversions(groupBy, range, {});
          const raw = await store().aggregateConversions(groupBy, range, {}, { distinctClicks: true });
          expect(sorted(fast), `${JSON.stringify(groupBy)} ${JSON.stringify(range)}`).to.deep.equal(sorted(raw));
        }
      }
      const all = await store().aggregateConversions(['status'], { from: null, to: null }, { type: 'Deposit' });
      expect(all.map((r) => [r.key.status, r.count, r.revenueMicros])).to.deep.equal([['approved', 1, 2_500_000n]]);
      const clicksByCampaign = await store().aggregateClicks(['campaign'], { from: day + 500, to: day + 2 * 86_400_000 }, {});
      expect(clicksByCampaign.map((r) => [r.key.campaign, r.count, r.costMicros]).sort()).to.deep.equal([
        ['a', 2, 14n],
        ['b', 1, 7n],
      ]);
    });

    it('when clicks are grouped by campaign, 15-minute bucket and sub within a range, then only clicks in range count, with their cost', async () => {
      const day = Date.UTC(2026, 10, 20);
      const bucket = String(day / BUCKET_MS);
      await store().insertClick(buildClick({ campaign_id: 'a', ts: day + 1000, subs: { sub1: 'x' }, cost_micros: 10 }));
      await store().insertClick(buildClick({ campaign_id: 'a', ts: day + 2000, subs: { sub1: 'x' }, cost_micros: 5 }));
      await store().insertClick(buildClick({ campaign_id: 'b', ts: day + 3000 }));
      await store().insertClick(buildClick({ campaign_id: 'b', ts: day + BUCKET_MS }));
      await store().insertClick(buildClick({ campaign_id: 'a', ts: day + 86_400_000 }));
      const groups = await store().aggregateClicks(['campaign', 'bucket', 'sub1'], { from: day, to: day + 86_400_000 }, {});
      const byKey = Object.fromEntries(groups.map((g) => [`${g.key.campaign}/${g.key.bucket}/${g.key.sub1}`, [g.count, g.costMicros]]));
      expect(byKey).to.deep.equal({
        [`a/${bucket}/x`]: [2, 15n],
        [`b/${bucket}/null`]: [1, 0n],
        [`b/${Number(bucket) + 1}/null`]: [1, 0n],
      });
      const filtered = await store().aggregateClicks([], { from: null, to: null }, { campaign: 'a', sub1: 'x' });
      expect(filtered.map((g) => g.count)).to.deep.equal([2]);
    });

    it('when clicks set some subs and traits, conversions change and a cost update spreads, then sub and trait groupings and filters equal the raw rows', async () => {
      const day = Date.UTC(2026, 10, 20);
      const clicks = [
        buildClick({
          campaign_id: 'a',
          traffic_channel_id: 't1',
          ts: day + 1000,
          subs: { sub1: 'z1', sub2: 'p1' },
          traits: { country: 'DE', device_type: 'mobile', os: 'Android', browser: 'Chrome', bot: 'false', city: 'Berlin' },
        }),
        buildClick({ campaign_id: 'a', traffic_channel_id: 't1', ts: day + 50_000_000, subs: { sub1: 'z2' }, traits: { bot: 'true' } }),
        buildClick({
          campaign_id: 'a',
          traffic_channel_id: 't2',
          ts: day + 90_000_000,
          subs: { sub1: 'z1', sub3: 'd' },
          traits: { country: 'DE', device_type: 'desktop', bot: 'false' },
        }),
        buildClick({ campaign_id: 'b', traffic_channel_id: 't2', ts: day + 100_000_000, subs: { sub2: 'p1' }, traits: { country: 'US' } }),
        buildClick({ campaign_id: 'b', traffic_channel_id: 't2', ts: day + 2 * 86_400_000 + 5 }),
      ];
      await store().insertClicks(clicks);
      const [c1, c2, c3, c4, c5] = clicks as [Click, Click, Click, Click, Click];
      const conversions = [
        buildConversion(c1, { created_at: day + 2000, payout_micros: 1_000_001 }),
        buildConversion(c1, { type: 'Deposit', created_at: day + 3000, payout_micros: 2_000_000, status: 'pending' }),
        buildConversion(c2, { created_at: day + 60_000_000, payout_micros: 3_000_000 }),
        buildConversion(c3, { created_at: day + 95_000_000, payout_micros: 4_000_000 }),
        buildConversion(c4, { created_at: day + 110_000_000, payout_micros: 5_000_000, status: 'declined' }),
        buildConversion(c5, { created_at: day + 2 * 86_400_000 + 10, payout_micros: 6_000_000 }),
      ];
      for (const c of conversions) await putConversion(store(), c);
      const [, deposit, , removed] = conversions as [unknown, (typeof conversions)[number], unknown, (typeof conversions)[number]];
      await store().writeProjection({
        ...projectionFor({ ...deposit, status: 'approved', payout_micros: 2_500_000 }),
        removedConversionIds: [removed.id],
      });
      await store().applyCost(
        {
          id: '01COST',
          requested_at: day,
          request: {
            kind: 'update',
            campaign_id: 'a',
            from: day,
            to: day + 2 * 86_400_000,
            tz: 'UTC',
            range_given: { from: '', to: '' },
            filter: null,
            cost: { micros: 10_000_000, original_micros: 10_000_000, original_currency: 'USD', rate: '1' },
          },
        },
        day,
      );

      const ranges = [
        { from: null, to: null },
        { from: day, to: day + 3 * 86_400_000 },
        { from: day + 1500, to: day + 2 * 86_400_000 + 7 },
      ];
      const groupings: Dimension[][] = [
        ['sub1'],
        ['sub2', 'campaign'],
        ['traffic_channel', 'sub1'],
        ['sub3'],
        [],
        ['country'],
        ['campaign', 'device_type'],
        ['bot'],
        ['os', 'browser'],
        ['city'],
      ];
      const filterings: Filters[] = [
        {},
        { sub1: 'z1' },
        { sub1: null },
        { sub2: 'p1', campaign: 'b' },
        { sub3: null, campaign: 'a' },
        { country: 'DE' },
        { country: null, campaign: 'a' },
        { bot: 'false' },
      ];
      const line = (r: AggregateRow) => JSON.stringify([r.key, r.count, String(r.revenueMicros), String(r.costMicros)]);
      const sorted = (rows: AggregateRow[]) => rows.map(line).sort();
      // The raw rows, grouped by 15-minute bucket too (no rollup serves that), then summed over buckets.
      const rawClicks = async (groupBy: Dimension[], range: TimeRange, filters: Filters) => {
        const rows = new Map<string, AggregateRow>();
        for (const r of await store().aggregateClicks(['bucket', ...groupBy], range, filters)) {
          const key = Object.fromEntries(groupBy.map((d) => [d, r.key[d] ?? null]));
          const into = rows.get(JSON.stringify(key)) ?? { key, count: 0, revenueMicros: 0n, costMicros: 0n, distinctClicks: 0 };
          into.count += r.count;
          into.costMicros += r.costMicros;
          rows.set(JSON.stringify(key), into);
        }
        return [...rows.values()];
      };
      for (const range of ranges)
        for (const groupBy of groupings)
          for (const filters of filterings) {
            const where = `${JSON.stringify(groupBy)} ${JSON.stringify(filters)} ${JSON.stringify(range)}`;
            const conversionsFast = await store().aggregateConversions([...groupBy, 'type', 'status'], range, filters);
            const conversionsRaw = await store().aggregateConversions([...groupBy, 'type', 'status'], range, filters, {
              distinctClicks: true,
            });
            expect(sorted(conversionsFast.map((r) => ({ ...r, costMicros: 0n }))), `conversions ${where}`).to.deep.equal(
              sorted(conversionsRaw.map((r) => ({ ...r, costMicros: 0n }))),
            );
            const clicksFast = await store().aggregateClicks(groupBy, range, filters);
            const clicksRaw = await rawClicks(groupBy, range, filters);
            const nonEmpty = (rows: AggregateRow[]) => rows.filter((r) => groupBy.length === 0 || r.count > 0 || r.costMicros > 0n);
            expect(sorted(nonEmpty(clicksFast)), `clicks ${where}`).to.deep.equal(sorted(nonEmpty(clicksRaw)));
          }
      const bySub1 = await store().aggregateClicks(['sub1'], { from: null, to: null }, {});
      expect(bySub1.map((r) => [r.key.sub1, r.count, r.costMicros]).sort()).to.deep.equal(
        [
          ['z1', 2, 6_666_667n],
          ['z2', 1, 3_333_333n],
          [null, 2, 0n],
        ].sort(),
      );
    });

    it('when grouped by local day, then days are cut at the zone’s midnight across a DST change, and UTC days by sub come from the rollups exactly', async () => {
      const at = (iso: string) => Date.parse(iso);
      const instants = ['2026-03-08T04:30:00Z', '2026-03-08T05:30:00Z', '2026-03-09T03:30:00Z', '2026-03-09T04:30:00Z'];
      const clicks = instants.map((iso, i) => buildClick({ ts: at(iso), subs: i % 2 ? { sub1: 'z' } : {} }));
      await store().insertClicks(clicks);
      for (const c of clicks) await putConversion(store(), buildConversion(c, { created_at: c.ts + 60_000, payout_micros: 1_000_000 }));
      const dayOf = (date: string) => String(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
      const range = { from: at('2026-03-07T05:00:00Z'), to: at('2026-03-10T04:00:00Z') };
      const ny = await store().aggregateClicks(['day'], range, {}, { tz: 'America/New_York' });
      expect(Object.fromEntries(ny.map((r) => [r.key.day, r.count]))).to.deep.equal({
        [dayOf('2026-03-07')]: 1,
        [dayOf('2026-03-08')]: 2,
        [dayOf('2026-03-09')]: 1,
      });
      const nyConversions = await store().aggregateConversions(['day'], range, {}, { tz: 'America/New_York' });
      expect(Object.fromEntries(nyConversions.map((r) => [r.key.day, r.count]))).to.deep.equal({
        [dayOf('2026-03-07')]: 1,
        [dayOf('2026-03-08')]: 2,
        [dayOf('2026-03-09')]: 1,
      });
      const utcRange = { from: at('2026-03-08T00:00:00Z'), to: at('2026-03-10T00:00:00Z') };
      const line = (r: AggregateRow) => JSON.stringify([r.key, r.count, String(r.revenueMicros)]);
      for (const groupBy of [
        ['day', 'sub1'],
        ['day', 'sub1', 'type', 'status'],
      ] as Dimension[][]) {
        const fast = await store().aggregateConversions(groupBy, utcRange, {}, { tz: 'UTC' });
        const raw = await store().aggregateConversions(groupBy, utcRange, {}, { tz: 'UTC', distinctClicks: true });
        expect(fast.map(line).sort(), groupBy.join(',')).to.deep.equal(raw.map(line).sort());
      }
      const bySub = await store().aggregateClicks(['day', 'sub1'], utcRange, {}, { tz: 'UTC' });
      expect(bySub.map((r) => [r.key.day, r.key.sub1, r.count]).sort()).to.deep.equal(
        [
          [dayOf('2026-03-08'), null, 1],
          [dayOf('2026-03-08'), 'z', 1],
          [dayOf('2026-03-09'), null, 1],
          [dayOf('2026-03-09'), 'z', 1],
        ].sort(),
      );
    });
  });
}
