import { expect } from 'chai';
import type { Click, Conversion } from '../../shared/domain/entities.js';
import type { Dimension, Store, Tally } from '../../shared/store/store.js';
import { buildClick, buildConversion, projectionFor, putConversion } from '../helpers/builders.js';

/** Aggregates asked split: one row per group with its conversions by status and by type. */
export function splitAggregateContract(store: () => Store): void {
  describe('aggregates, split', () => {
    it('when conversions are asked split, then each group carries its counts and revenue by status and type, as the rows by type and status say', async () => {
      const day = Date.UTC(2026, 10, 20);
      const clicks = [
        buildClick({ campaign_id: 'a', ts: day + 1000, subs: { sub1: 'z1' } }),
        buildClick({ campaign_id: 'b', ts: day + 50_000_000, subs: { sub1: 'z2' } }),
        buildClick({ campaign_id: 'a', ts: day + 90_000_000 }),
      ];
      await store().insertClicks(clicks);
      const [c1, c2, c3] = clicks as [Click, Click, Click];
      const conversions = [
        buildConversion(c1, { created_at: day + 2000, payout_micros: 1_000_001 }),
        buildConversion(c1, { type: 'Deposit', created_at: day + 3000, payout_micros: 2_000_000, status: 'pending' }),
        buildConversion(c2, { type: 'Deposit', created_at: day + 60_000_000, payout_micros: 3_000_000, status: 'declined' }),
        buildConversion(c3, { created_at: day + 95_000_000, payout_micros: 4_000_000 }),
      ];
      for (const c of conversions) await putConversion(store(), c);
      await store().writeProjection(projectionFor({ ...(conversions[1] as Conversion), status: 'approved', payout_micros: 2_500_000 }));
      const range = { from: day, to: day + 2 * 86_400_000 };
      const tallies = (map: Map<string | null, { count: number; revenueMicros: bigint }>) =>
        [...map].map(([k, t]) => `${String(k)}=${String(t.count)}/${String(t.revenueMicros)}`).sort();
      for (const [groupBy, tz] of [
        [['sub1'], 'UTC'],
        [['campaign', 'sub1'], 'UTC'],
        [['day', 'sub1'], 'America/New_York'],
        [['campaign'], 'UTC'],
        [[], 'UTC'],
      ] as Array<[Dimension[], string]>) {
        const split = await store().aggregateConversions(groupBy, range, {}, { tz, split: true });
        const rows = await store().aggregateConversions([...groupBy, 'type', 'status'], range, {}, { tz, distinctClicks: true });
        const expected = new Map<
          string,
          {
            count: number;
            revenue: bigint;
            byStatus: Map<string | null, { count: number; revenueMicros: bigint }>;
            byType: Map<string | null, { count: number; revenueMicros: bigint }>;
          }
        >();
        for (const r of rows) {
          const key = JSON.stringify(groupBy.map((d) => r.key[d] ?? null));
          const e = expected.get(key) ?? {
            count: 0,
            revenue: 0n,
            byStatus: new Map<string | null, Tally>(),
            byType: new Map<string | null, Tally>(),
          };
          e.count += r.count;
          e.revenue += r.revenueMicros;
          for (const [map, k] of [
            [e.byStatus, r.key.status ?? null],
            [e.byType, r.key.type ?? null],
          ] as const) {
            const t = map.get(k) ?? { count: 0, revenueMicros: 0n };
            map.set(k, { count: t.count + r.count, revenueMicros: t.revenueMicros + r.revenueMicros });
          }
          expected.set(key, e);
        }
        const seen = split.map((g) => [
          JSON.stringify(groupBy.map((d) => g.key[d] ?? null)),
          g.count,
          g.revenueMicros,
          tallies(g.split?.byStatus ?? new Map()),
          tallies(g.split?.byType ?? new Map()),
        ]);
        const want = [...expected].map(([k, e]) => [k, e.count, e.revenue, tallies(e.byStatus), tallies(e.byType)]);
        expect(seen.sort(), `${groupBy.join(',')} ${tz}`).to.deep.equal(want.sort());
      }
    });
  });
}
