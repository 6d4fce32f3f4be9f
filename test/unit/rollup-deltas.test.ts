import { expect } from 'chai';
import { conversionDeltas, type Countable } from '../../shared/store/rollup-deltas.js';

const T0 = Date.UTC(2026, 10, 20, 12, 7);
const conv = (overrides: Partial<Countable> = {}): Countable => ({
  created_at: T0,
  type: null,
  status: 'pending',
  payout_micros: 5_000_000,
  click: { campaign_id: 'cmp', offer_id: 'o', offer_source_id: 's', traffic_channel_id: 't', subs: {} },
  ...overrides,
});
const brief = (d: ReturnType<typeof conversionDeltas>[number]) => [d.type_key, d.status, d.n, d.revenue];

describe('conversion rollup deltas', () => {
  it('when a conversion is recorded, then its 15-minute and day row gain one and its payout', () => {
    const [delta] = conversionDeltas([{ before: null, after: conv() }]);
    expect(delta).to.deep.include({
      bucket: Math.floor(T0 / 900_000),
      day: Math.floor(T0 / 86_400_000),
      type_key: '',
      status: 'pending',
      n: 1,
      revenue: 5_000_000,
    });
  });

  it('when an edit keeps the status and payout (new subs), then no rollup changes', () => {
    expect(conversionDeltas([{ before: conv(), after: conv() }])).to.deep.equal([]);
  });

  it('when an edit changes the status, then one row loses the conversion and the other gains it', () => {
    const deltas = conversionDeltas([{ before: conv(), after: conv({ status: 'approved', payout_micros: 7_000_000 }) }]);
    expect(deltas.map(brief)).to.deep.equal([
      ['', 'pending', -1, -5_000_000],
      ['', 'approved', 1, 7_000_000],
    ]);
  });

  it('when a batch writes several conversions of one row and removes one, then the row moves once by the sum', () => {
    const deltas = conversionDeltas([
      { before: null, after: conv({ type: 'Sale', payout_micros: 1 }) },
      { before: null, after: conv({ type: 'Sale', payout_micros: 2 }) },
      { before: conv({ type: 'Sale', payout_micros: 10 }), after: null },
    ]);
    expect(deltas.map(brief)).to.deep.equal([['Sale', 'pending', 1, -7]]);
  });
});
