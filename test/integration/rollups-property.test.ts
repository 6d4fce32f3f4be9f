import { expect } from 'chai';
import fc from 'fast-check';
import { processPostback } from '../../services/worker/process-postback.js';
import { createSettingsCache } from '../../shared/application/settings-cache.js';
import { loadConfig } from '../../shared/config/config.js';
import { DUPLICATE_MODES } from '../../shared/domain/duplicate-modes.js';
import { newId } from '../../shared/domain/ids.js';
import type { AggregateRow, Dimension } from '../../shared/store/store.js';
import { buildPostbackJob } from '../helpers/builders.js';
import { clickFor, seedCampaign } from '../helpers/seed.js';
import { storeFactories } from '../helpers/store-factories.js';

const rules = loadConfig({}).rules;
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

/** Postbacks on two clicks: each names a type (or none), a status, a payout and maybe an event id. */
const postbacksArb = fc.array(
  fc.record({
    click: fc.constantFrom(0, 1),
    type: fc.constantFrom(null, ...TYPES),
    status: fc.constantFrom('approved', 'pending', 'declined', 'other'),
    payout: fc.integer({ min: 0, max: 99_999_999 }).map((micros) => (micros / 1e6).toFixed(6)),
    eventId: fc.constantFrom(null, 'E1', 'E2'),
  }),
  { minLength: 1, maxLength: 16 },
);

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
          postbacksArb,
          async (typeModes, sourceMode, postbacks) => {
            const { store, dispose } = await factory.make();
            try {
              const seeded = await seedCampaign(store, { source: { duplicate_mode: sourceMode } });
              for (const [i, name] of TYPES.entries())
                await store.conversionTypes.put(name, {
                  name,
                  duplicate_mode: typeModes[i] ?? null,
                  journey: false,
                  send_to_channel: false,
                  created_at: 1,
                });
              const clicks = [
                clickFor(seeded, { traits: { country: 'FR', device_type: 'mobile', bot: 'false' } }),
                clickFor(seeded, { traits: { bot: 'true' } }),
              ];
              await store.insertClicks(clicks);
              const deps = { store, rules, settings: createSettingsCache(store, {}) };
              for (const p of postbacks) {
                const job = buildPostbackJob({
                  clickid: clicks[p.click]?.clickid ?? '',
                  type: p.type,
                  status: p.status,
                  payout: p.payout,
                  event_id: p.eventId,
                });
                await processPostback(deps, newId(), job);
              }
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
