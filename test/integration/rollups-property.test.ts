import { expect } from 'chai';
import fc from 'fast-check';
import { DUPLICATE_MODES } from '../../shared/domain/duplicate-modes.js';
import type { AggregateRow, Dimension } from '../../shared/store/store.js';
import { applyPostbacks, postbacksArb, putTypes } from '../helpers/postback-arbitrary.js';
import { clickFor, seedCampaign } from '../helpers/seed.js';
import { storeFactories } from '../helpers/store-factories.js';

const GROUPINGS: Dimension[][] = [
  [],
  ['type', 'status'],
  ['bucket'],
  ['campaign', 'type'],
  ['traffic_channel', 'status'],
  ['country', 'type'],
  ['device_type', 'status'],
];
const TYPES = ['Lead', 'Sale', 'Rebill'] as const;

const sorted = (rows: AggregateRow[]) =>
  rows
    .map((r) => ({ key: r.key, count: r.count, revenue: r.revenueMicros }))
    .sort((a, b) => (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1));

for (const factory of storeFactories()) {
  describe(`rollups against the raw rows (${factory.name} store)`, function () {
    this.timeout(120_000);

    it('when any postbacks under any duplicate modes are applied, then every rollup-served grouping equals the raw aggregate (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...TYPES.map(() => fc.constantFrom(...DUPLICATE_MODES))),
          fc.constantFrom(...DUPLICATE_MODES),
          postbacksArb(TYPES, 2),
          async (typeModes, sourceMode, postbacks) => {
            const { store, dispose } = await factory.make();
            try {
              const seeded = await seedCampaign(store, { source: { duplicate_mode: sourceMode } });
              await putTypes(store, TYPES, typeModes);
              const clicks = [
                clickFor(seeded, { traits: { country: 'FR', device_type: 'mobile', bot: 'false' } }),
                clickFor(seeded, { traits: { bot: 'true' } }),
              ];
              await store.insertClicks(clicks);
              await applyPostbacks(store, clicks, postbacks);
              // A range of whole 15-minute buckets lets the rollups serve; asking for distinct clicks reads the raw rows.
              const range = { from: 0, to: Math.ceil((Date.now() + 3_600_000) / 900_000) * 900_000 };
              for (const groupBy of GROUPINGS) {
                const rolled = await store.aggregateConversions(groupBy, range, {});
                const raw = await store.aggregateConversions(groupBy, range, {}, { distinctClicks: true });
                expect(sorted(rolled), groupBy.join(',') || 'total').to.deep.equal(sorted(raw));
              }
            } finally {
              await dispose();
            }
          },
        ),
        { seed: 20261130, numRuns: 40 },
      );
    });
  });
}
