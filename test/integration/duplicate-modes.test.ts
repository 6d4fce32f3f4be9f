import { expect } from 'chai';
import { processPostback } from '../../services/worker/process-postback.js';
import { createSettingsCache } from '../../shared/application/settings-cache.js';
import { loadConfig } from '../../shared/config/config.js';
import type { DuplicateMode } from '../../shared/domain/duplicate-modes.js';
import type { Conversion } from '../../shared/domain/entities.js';
import { newId } from '../../shared/domain/ids.js';
import type { PostbackParams } from '../../shared/queue/jobs.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildPostbackJob } from '../helpers/builders.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';
import { storeFactories } from '../helpers/store-factories.js';

type Sent = Partial<PostbackParams> & { click?: 'A' | 'B' };
interface Row {
  name: string;
  sourceMode?: DuplicateMode;
  typeMode?: DuplicateMode | null;
  postbacks: Sent[];
  outcomes: string[];
  /** Expected conversions, in creation order, as [type, status, payout, duplicate_status]. */
  conversions: Array<[string | null, string, number, string]>;
  check?: (conversions: Conversion[]) => void;
}

// One line per row of the specification §5 table, plus mode precedence and the missing event id.
const ROWS: Row[] = [
  {
    name: 'create_new: a duplicate adds a separate conversion',
    sourceMode: 'create_new',
    postbacks: [{ payout: '1' }, { payout: '2' }],
    outcomes: ['recorded', 'recorded'],
    conversions: [
      [null, 'approved', 1_000_000, 'unknown'],
      [null, 'approved', 2_000_000, 'unknown'],
    ],
  },
  {
    name: 'new_or_repeated: the first is new, later ones are repeated',
    sourceMode: 'new_or_repeated',
    postbacks: [{ payout: '1' }, { payout: '1' }, { payout: '1' }],
    outcomes: ['recorded', 'recorded', 'recorded'],
    conversions: [
      [null, 'approved', 1_000_000, 'new'],
      [null, 'approved', 1_000_000, 'repeated'],
      [null, 'approved', 1_000_000, 'repeated'],
    ],
  },
  {
    name: 'ignore: a duplicate adds nothing',
    sourceMode: 'ignore',
    postbacks: [{ payout: '1' }, { payout: '9', status: 'declined' }],
    outcomes: ['recorded', 'ignored_duplicate'],
    conversions: [[null, 'approved', 1_000_000, 'unknown']],
  },
  {
    name: 'edit: the original takes what each later postback carries (a payout in EUR converted at 1.1) and keeps the rest',
    sourceMode: 'edit',
    postbacks: [
      { payout: '1', status: 'pending', event_id: 'E1', subs: { sub1: 'a' } },
      { status: 'approved' },
      { payout: '3', subs: { sub2: 'b' }, currency: 'EUR' },
      { status: 'declined' },
    ],
    outcomes: ['recorded', 'updated', 'updated', 'updated'],
    conversions: [[null, 'declined', 3_300_000, 'unknown']],
    check: ([c]) => {
      expect(c).to.deep.include({
        event_id: 'E1',
        currency: 'USD',
        original_payout_micros: 3_000_000,
        original_currency: 'EUR',
        fx_rate: '1.1',
        subs: { sub1: 'a', sub2: 'b' },
      });
      expect(c?.postback_ids).to.have.length(4);
    },
  },
  {
    name: 'increment_payout: only the payout grows; no sum adds the offer payout',
    sourceMode: 'increment_payout',
    postbacks: [{ payout: '1', status: 'pending' }, { payout: '2.5', status: 'approved' }, {}],
    outcomes: ['recorded', 'incremented', 'incremented'],
    conversions: [[null, 'pending', 6_000_000, 'unknown']],
  },
  {
    name: 'ignore_by_event_id: a seen event id is ignored on any click; a new one or none records',
    sourceMode: 'ignore_by_event_id',
    postbacks: [{ event_id: 'E1', payout: '1' }, { event_id: 'E1', click: 'B' }, { event_id: 'E2', payout: '2' }, { payout: '3' }],
    outcomes: ['recorded', 'ignored_event_id', 'recorded', 'recorded'],
    conversions: [
      [null, 'approved', 1_000_000, 'unknown'],
      [null, 'approved', 2_000_000, 'unknown'],
      [null, 'approved', 3_000_000, 'unknown'],
    ],
  },
  {
    name: "precedence: the type's mode prevails over the offer source's",
    sourceMode: 'ignore',
    typeMode: 'create_new',
    postbacks: [{ type: 'Deposit' }, { type: 'Deposit' }, {}, {}],
    outcomes: ['recorded', 'recorded', 'recorded', 'ignored_duplicate'],
    conversions: [
      ['Deposit', 'approved', 2_500_000, 'unknown'],
      ['Deposit', 'approved', 2_500_000, 'unknown'],
      [null, 'approved', 2_500_000, 'unknown'],
    ],
  },
  {
    name: 'precedence: a type without a mode takes the offer source’s; the main conversion is its own type',
    sourceMode: 'ignore',
    typeMode: null,
    postbacks: [{}, { type: 'Deposit' }, { type: 'Deposit' }],
    outcomes: ['recorded', 'recorded', 'ignored_duplicate'],
    conversions: [
      [null, 'approved', 2_500_000, 'unknown'],
      ['Deposit', 'approved', 2_500_000, 'unknown'],
    ],
  },
  {
    name: 'default: with no mode anywhere it is create_new',
    postbacks: [{}, {}],
    outcomes: ['recorded', 'recorded'],
    conversions: [
      [null, 'approved', 2_500_000, 'unknown'],
      [null, 'approved', 2_500_000, 'unknown'],
    ],
  },
];

for (const factory of storeFactories()) {
  describe(`duplicate modes (${factory.name} store)`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    let seeded: Seeded;
    const rules = loadConfig({}).rules;

    beforeEach(async () => {
      ({ store, dispose } = await factory.make());
    });
    afterEach(async () => {
      await dispose();
    });

    const setUp = async (row: Row) => {
      seeded = await seedCampaign(store, { source: row.sourceMode ? { duplicate_mode: row.sourceMode } : {} });
      if (row.typeMode !== undefined) {
        await store.conversionTypes.put('Deposit', {
          name: 'Deposit',
          duplicate_mode: row.typeMode,
          journey: false,
          send_to_channel: false,
          created_at: 1,
        });
      }
      const clicks = { A: buildClick(), B: buildClick() };
      for (const click of Object.values(clicks)) {
        await store.insertClick({
          ...click,
          campaign_id: seeded.campaign.id,
          offer_id: seeded.offer.id,
          offer_source_id: seeded.source.id,
          traffic_channel_id: seeded.channel.id,
        });
      }
      // Ids made in sending order: arrival order.
      const jobs = row.postbacks.map(({ click = 'A', ...params }) => ({
        id: newId(),
        job: buildPostbackJob({ ...params, clickid: clicks[click].clickid }),
      }));
      return { clicks, jobs };
    };
    const deps = () => ({ store, rules, settings: createSettingsCache(store, { EUR: '1.1' }) });
    const conversionsOf = async () => (await store.listConversions({}, { limit: 100, cursor: null })).items.reverse();

    for (const row of ROWS) {
      it(`when ${row.name}, then outcomes and conversions match the table`, async () => {
        const { jobs } = await setUp(row);
        for (const { id, job } of jobs) await processPostback(deps(), id, job);
        const outcomes = await Promise.all(jobs.map(async ({ id }) => (await store.getPostback(id))?.outcome));
        expect(outcomes).to.deep.equal(row.outcomes);
        const conversions = await conversionsOf();
        expect(conversions.map((c) => [c.type, c.status, c.payout_micros, c.duplicate_status])).to.deep.equal(row.conversions);
        row.check?.(conversions);
      });

      it(`when ${row.name.split(':')[0]} postbacks are applied in reverse, then the result is still the arrival-order one`, async () => {
        const { jobs } = await setUp(row);
        for (const { id, job } of [...jobs].reverse()) await processPostback(deps(), id, job);
        const outcomes = await Promise.all(jobs.map(async ({ id }) => (await store.getPostback(id))?.outcome));
        expect(outcomes).to.deep.equal(row.outcomes);
        const conversions = await conversionsOf();
        expect(conversions.map((c) => [c.type, c.status, c.payout_micros, c.duplicate_status])).to.deep.equal(row.conversions);
      });
    }

    it('when ignore_by_event_id gets a postback without an event id, then the log says the event id was missing', async () => {
      const row = ROWS.find((r) => r.sourceMode === 'ignore_by_event_id') as Row;
      const { jobs } = await setUp(row);
      for (const { id, job } of jobs) await processPostback(deps(), id, job);
      expect((await store.getPostback(jobs[3]?.id ?? ''))?.detail).to.match(/event id missing/);
    });

    it('when every postback is processed a second time, then nothing changes', async () => {
      const row = ROWS.find((r) => r.sourceMode === 'increment_payout') as Row;
      const { jobs } = await setUp(row);
      for (const { id, job } of jobs) await processPostback(deps(), id, job);
      const before = await conversionsOf();
      for (const { id, job } of jobs) await processPostback(deps(), id, job);
      expect(await conversionsOf()).to.deep.equal(before);
    });
  });
}
