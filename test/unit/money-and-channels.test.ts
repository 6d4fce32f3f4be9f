import { expect } from 'chai';
import fc from 'fast-check';
import { effectiveCost, shareOf } from '../../shared/domain/costs.js';
import { applyRate, convert, normaliseRates } from '../../shared/domain/fx.js';
import { deliveryEvent, deliveryFor, fillTemplate, redactUrl } from '../../shared/domain/outbound.js';
import { buildClick, buildConversion, buildDelivery } from '../helpers/builders.js';
import { buildChannel } from '../helpers/seed.js';

describe('exchange rates', () => {
  it('when an amount is converted, then the result is exact to the micro, rounded half up, with no float in between', () => {
    expect(applyRate(10_000_000, '1.0842')).to.equal(10_842_000);
    // 0.1 × 3 in floats is 0.30000000000000004; here it is exactly 0.3.
    expect(applyRate(100_000, '3')).to.equal(300_000);
    expect(applyRate(1, '0.5')).to.equal(1);
    expect(applyRate(1, '0.4999999999')).to.equal(0);
    expect(applyRate(999_999_999_999_999, '0.0000000001')).to.equal(100_000);
    // 123.456789 × 158.9312 = 19621.1356239168 (decimal arithmetic), so 19621.135624.
    expect(applyRate(123_456_789, '158.9312')).to.equal(19_621_135_624);
  });

  it('when the currency has no rate, then there is no conversion (never 1:1); the account currency needs none', () => {
    expect(convert(5_000_000, 'EUR', 'USD', {})).to.equal(null);
    expect(convert(5_000_000, 'USD', 'USD', {})).to.deep.equal({
      micros: 5_000_000,
      original_micros: 5_000_000,
      original_currency: 'USD',
      rate: '1',
    });
    expect(convert(5_000_000, 'EUR', 'USD', { EUR: '1.1' })?.micros).to.equal(5_500_000);
  });

  it('when rates are given, then non-ISO codes, zero and over-precise rates are named', () => {
    const { rates, problems } = normaliseRates({ EUR: 1.08, GBP: '1.27', XYZ: '2', JPY: '0', CHF: '1.12345678901' });
    expect(rates).to.deep.equal({ EUR: '1.08', GBP: '1.27' });
    expect(problems.map((p) => p.split(':')[0])).to.deep.equal(['XYZ', 'JPY', 'CHF']);
  });
});

describe('cost spreading', () => {
  it('when a cost does not divide evenly, then shares differ by at most one micro and add up to the cost', () => {
    const shares = Array.from({ length: 7 }, (_, i) => shareOf(10_000_001, 7, i));
    expect(shares.reduce((a, b) => a + b, 0)).to.equal(10_000_001);
    expect(Math.max(...shares) - Math.min(...shares)).to.be.at.most(1);
    expect(shares[0]).to.be.at.least(shares[6] as number);
  });

  it('when any cost is spread over any number of clicks, then the shares add up to it exactly and differ by at most one micro (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000_000_000 }), fc.integer({ min: 1, max: 5000 }), (total, count) => {
        const shares = Array.from({ length: count }, (_, i) => shareOf(total, count, i));
        expect(shares.reduce((a, b) => a + b, 0)).to.equal(total);
        expect(Math.max(...shares) - Math.min(...shares)).to.be.at.most(1);
        expect(
          shares.every((s, i) => i === 0 || s <= (shares[i - 1] as number)),
          'the remainder goes to the earliest clicks',
        ).to.equal(true);
      }),
      { seed: 20261130, numRuns: 300 },
    );
  });

  it('when updates cover a click in any order, then the newest one sets its cost (property)', () => {
    const share = fc.record({ update_id: fc.stringMatching(/^01[0-9A-Z]{8}$/), micros: fc.nat() });
    fc.assert(
      fc.property(fc.uniqueArray(share, { minLength: 1, maxLength: 20, selector: (s) => s.update_id }), (shares) => {
        const newest = [...shares].sort((a, b) => (a.update_id < b.update_id ? 1 : -1))[0];
        expect(effectiveCost(shares)).to.equal(newest?.micros);
        expect(effectiveCost([...shares].reverse())).to.equal(newest?.micros);
      }),
      { seed: 20261130, numRuns: 300 },
    );
  });

  it('when several updates cover a click, then the newest one sets its cost', () => {
    expect(
      effectiveCost([
        { update_id: '01B', micros: 5 },
        { update_id: '01C', micros: 7 },
        { update_id: '01A', micros: 9 },
      ]),
    ).to.equal(7);
    expect(effectiveCost([])).to.equal(0);
  });
});

describe('outbound postbacks', () => {
  it('when a template is filled, then every macro is URL-encoded and unknown ones are kept', () => {
    const event = {
      ...buildDelivery().event,
      external_id: 'a b&c',
      type: 'First Deposit',
      payout_micros: 12_500_000,
      event_id: 'T/1',
      subs: { sub3: 'zone=7' },
    };
    const url = fillTemplate(
      'https://ads.example/pb?cid={external_id}&p={payout}&c={currency}&t={type}&s={status}&e={event_id}&z={sub3}&n={sub4}&x={nope}',
      event,
    );
    expect(url).to.equal('https://ads.example/pb?cid=a%20b%26c&p=12.5&c=USD&t=First%20Deposit&s=approved&e=T%2F1&z=zone%3D7&n=&x={nope}');
  });

  it('when a channel template has macros named like object members, then they are left as written', () => {
    const event = deliveryEvent(buildConversion(buildClick()), null);
    expect(fillTemplate('https://ads.example/pb?a={constructor}&b={__proto__}&c={valueof}', event)).to.equal(
      'https://ads.example/pb?a={constructor}&b={__proto__}&c={valueof}',
    );
  });

  it('when a URL carries credentials or secret-looking parameters, then the log shows them redacted', () => {
    expect(redactUrl('https://user:pw@ads.example/pb?cid=1&token=abc&api_key=k&access_token=t')).to.equal(
      'https://redacted@ads.example/pb?cid=1&token=redacted&api_key=redacted&access_token=redacted',
    );
  });

  it('when channels filter by status and type, then only matching conversions go, once per status; API integrations get one event with no status', () => {
    const click = buildClick();
    const channel = buildChannel({ postback_url: 'https://ads.example/pb?cid={external_id}', send_statuses: ['approved'] });
    const sale = { name: 'Sale', duplicate_mode: null, journey: false, send_to_channel: true, created_at: 0 };
    const lead = { ...sale, name: 'Lead', send_to_channel: false };
    const approved = buildConversion(click, { id: 'c1', status: 'approved' });
    expect(deliveryFor(approved, null, channel)).to.deep.equal({ id: 'c1-approved' });
    expect(deliveryFor({ ...approved, status: 'pending' }, null, channel)).to.equal(null);
    expect(deliveryFor({ ...approved, type: 'Sale' }, sale, channel)).to.deep.equal({ id: 'c1-approved' });
    expect(deliveryFor({ ...approved, type: 'Lead' }, lead, channel), 'type not marked send_to_channel').to.equal(null);
    expect(deliveryFor({ ...approved, type: 'Sale' }, sale, { ...channel, send_types: ['Other'] })).to.equal(null);
    expect(deliveryFor(approved, null, { ...channel, send_main: false })).to.equal(null);
    expect(deliveryFor(approved, null, { ...channel, postback_url: null })).to.equal(null);
    const capi = { ...channel, integration: 'facebook_capi' as const, postback_url: null };
    expect(deliveryFor({ ...approved, status: 'declined' }, null, capi)).to.deep.equal({ id: 'c1-sent' });
  });
});
