import { expect } from 'chai';
import fc from 'fast-check';
import { buildReport } from '../../services/report/build-report.js';
import { DUPLICATE_MODES } from '../../shared/domain/duplicate-modes.js';
import { moneyToNumber } from '../../shared/domain/money.js';
import { REVERSED } from '../../shared/domain/reversal.js';
import { applyPostbacks, postbacksArb, putTypes } from '../helpers/postback-arbitrary.js';
import { clickFor, seedCampaign } from '../helpers/seed.js';
import { storeFactories } from '../helpers/store-factories.js';

const TYPES = ['Lead', 'Upsell', 'Rebill'] as const;

/**
 * Whatever postbacks the duplicate modes turn into conversions, a report's
 * `conversions` and `revenue` are those of the types that count (the main conversion
 * always does), CR and CPA follow them, and each type's own columns are the whole type.
 */
for (const factory of storeFactories()) {
  describe(`counting rules per conversion type (${factory.name} store)`, function () {
    this.timeout(120_000);

    it('when any postbacks under any duplicate modes and any counting rules are applied, then conversions, revenue, CR and CPA count only the types that count (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...TYPES.map(() => fc.constantFrom(...DUPLICATE_MODES))),
          fc.constantFrom(...DUPLICATE_MODES),
          fc.tuple(...TYPES.map(() => fc.record({ conversions: fc.boolean(), revenue: fc.boolean() }))),
          postbacksArb(TYPES, 3, { reversals: true }),
          async (typeModes, sourceMode, counting, postbacks) => {
            const { store, dispose } = await factory.make();
            try {
              const seeded = await seedCampaign(store, { source: { duplicate_mode: sourceMode } });
              await putTypes(store, TYPES, typeModes, (i) => ({
                counts_in_conversions: counting[i]?.conversions ?? true,
                counts_in_revenue: counting[i]?.revenue ?? true,
              }));
              const clicks = [0, 1, 2].map(() => clickFor(seeded, { ts: Date.now() - 60_000, cost_micros: 1_500_000 }));
              await store.insertClicks(clicks);
              await applyPostbacks(store, clicks, postbacks);
              const range = { from: 0, to: Date.now() + 3_600_000 };
              // The oracle: the raw rows by type and status, summed by hand over the types that count.
              const raw = await store.aggregateConversions(['type', 'status'], range, {}, { distinctClicks: true });
              const counts = (type: string | null, what: 'conversions' | 'revenue'): boolean => {
                const i = TYPES.indexOf(type as (typeof TYPES)[number]);
                return i < 0 || (counting[i]?.[what] ?? true);
              };
              let conversions = 0;
              let revenue = 0n;
              const byType = new Map<string, { conversions: number; revenue: bigint }>();
              for (const row of raw) {
                const type = row.key.type ?? null;
                const net = row.key.status === REVERSED ? 0n : row.revenueMicros;
                if (counts(type, 'conversions')) conversions += row.count;
                if (counts(type, 'revenue')) revenue += net;
                if (type !== null) {
                  const t = byType.get(type) ?? { conversions: 0, revenue: 0n };
                  t.conversions += row.count;
                  t.revenue += net;
                  byType.set(type, t);
                }
              }
              const report = await buildReport(store, { groupBy: ['campaign'], range, tz: 'UTC', filters: {}, limit: 100 });
              for (const row of [report.totals, ...report.rows]) {
                expect(row).to.deep.include({ clicks: 3, conversions, revenue: moneyToNumber(revenue), cost: 4.5 });
                // CR over 3 clicks, CPA of 4.5 spent, both rounded half up to the micro.
                expect(row.cr).to.equal(moneyToNumber((BigInt(conversions) * 200_000_000n + 3n) / 6n));
                expect(row.cpa).to.equal(
                  conversions === 0 ? null : moneyToNumber((9_000_000n + BigInt(conversions)) / BigInt(2 * conversions)),
                );
                for (const t of TYPES) {
                  const own = byType.get(t) ?? { conversions: 0, revenue: 0n };
                  expect((row.types as Record<string, unknown>)[t], t).to.deep.equal({
                    conversions: own.conversions,
                    revenue: moneyToNumber(own.revenue),
                  });
                }
              }
            } finally {
              await dispose();
            }
          },
        ),
        { seed: 20261205, numRuns: 40 },
      );
    });
  });
}
