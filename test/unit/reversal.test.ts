import { expect } from 'chai';
import { pickReversalTarget, pickReversedAlready, reversed } from '../../shared/domain/reversal.js';
import { buildClick, buildConversion } from '../helpers/builders.js';

describe('reversal pickers: which conversion a reversal postback takes back', () => {
  const click = buildClick({ clickid: 'c1', ts: Date.UTC(2026, 10, 1) });
  const at = (minute: number, overrides: Parameters<typeof buildConversion>[1] = {}) =>
    buildConversion(click, { id: `v${String(minute).padStart(3, '0')}`, created_at: click.ts + minute * 60_000, ...overrides });
  const takeBack = (c: ReturnType<typeof at>) =>
    reversed(c, {
      reason: 'chargeback',
      reversed_at: c.created_at + 1,
      source: 'postback',
      postback_id: 'p',
      ip: null,
      request_id: null,
      note: null,
    });
  const match = { clickid: 'c1', type: null, event_id: null };

  it('when a click has several conversions of the type, then the newest one not reversed is taken, then the next newest', () => {
    const [a, b, c] = [at(1), at(3), at(2)];
    expect(pickReversalTarget([a, b, c], match)?.id).to.equal(b.id);
    expect(pickReversalTarget([a, takeBack(b), c], match)?.id).to.equal(c.id);
    expect(pickReversalTarget([takeBack(a), takeBack(b), takeBack(c)], match)).to.equal(null);
  });

  it('when two conversions were made in the same millisecond, then the greater id is the newer', () => {
    const [a, b] = [at(1, { id: 'v-a' }), at(1, { id: 'v-b' })];
    expect(pickReversalTarget([b, a], match)?.id).to.equal('v-b');
  });

  it('when the postback names a type or an event id, then only conversions of that type and event are candidates', () => {
    const main = at(5);
    const upsell = at(1, { type: 'Upsell', event_id: 'E1' });
    const upsell2 = at(2, { type: 'Upsell', event_id: 'E2' });
    expect(pickReversalTarget([main, upsell, upsell2], { clickid: 'c1', type: 'Upsell', event_id: null })?.id).to.equal(upsell2.id);
    expect(pickReversalTarget([main, upsell, upsell2], { clickid: 'c1', type: 'Upsell', event_id: 'E1' })?.id).to.equal(upsell.id);
    expect(pickReversalTarget([main, upsell], { clickid: 'c1', type: 'Upsell', event_id: 'E9' })).to.equal(null);
    expect(pickReversalTarget([main], { clickid: 'c2', type: null, event_id: null })).to.equal(null);
  });

  it('when everything matching is reversed already, then the repeat finds the newest reversed one (it is logged a duplicate)', () => {
    const [a, b] = [takeBack(at(1)), takeBack(at(2))];
    expect(pickReversedAlready([a, b, at(9, { type: 'Upsell' })], match)?.id).to.equal(b.id);
    expect(pickReversedAlready([at(3)], match), 'a conversion not reversed is not a repeat').to.equal(null);
  });

  it('when a conversion is reversed, then it reads declined, keeps the status it had, and its update time does not go back', () => {
    const pending = at(1, { status: 'pending', updated_at: click.ts + 10 * 60_000 });
    const after = takeBack(pending);
    expect(after.status).to.equal('declined');
    expect(after.reversal?.previous_status).to.equal('pending');
    expect(after.updated_at).to.equal(click.ts + 10 * 60_000);
  });
});
