import { expect } from 'chai';
import { parsePostback, postbackSchema } from '../../services/receiver/postback.schema.js';
import { createRedactor } from '../../services/receiver/redact.js';
import { hashToken } from '../../shared/domain/token.js';

describe('postback syntax', () => {
  it('when every parameter is well formed, then they are normalised', () => {
    const parsed = parsePostback({
      clickid: 'abc-1',
      payout: '4.20',
      status: 'pending',
      type: 'Upsell',
      txid: 'T1',
      currency: 'eur',
      sub3: 'x',
    });
    expect(parsed.problems).to.equal(null);
    expect(parsed.params).to.deep.equal({
      clickid: 'abc-1',
      payout: '4.20',
      status: 'pending',
      type: 'Upsell',
      event_id: 'T1',
      currency: 'EUR',
      token_hash: null,
      subs: { sub3: 'x' },
    });
  });

  it('when the status is not one of the four, then the problem names status and the allowed values', () => {
    const { problems } = parsePostback({ clickid: 'c1', status: 'Approved' });
    expect(problems).to.have.length(1);
    expect(problems?.[0]).to.include({ field: 'status' });
    expect(problems?.[0]?.allowed).to.deep.equal(['approved', 'pending', 'declined', 'other']);
  });

  it('when clickid is missing or malformed, then clickid is named', () => {
    expect(parsePostback({ sum: '1' }).problems?.map((p) => p.field)).to.deep.equal(['clickid']);
    expect(parsePostback({ clickid: 'a b' }).problems?.map((p) => p.field)).to.deep.equal(['clickid']);
  });

  it('when sum has more than 6 decimals or is negative, then sum is named', () => {
    expect(parsePostback({ clickid: 'c', sum: '1.1234567' }).problems?.[0]?.field).to.equal('sum');
    expect(parsePostback({ clickid: 'c', sum: '-3' }).problems?.[0]?.field).to.equal('sum');
  });

  it('when a key is repeated, then it is refused naming that key', () => {
    const { problems } = parsePostback({ clickid: 'c', status: ['approved', 'declined'] });
    expect(problems).to.deep.equal([{ field: 'status', message: 'status is given more than once; give it once' }]);
  });

  it('when both sum and payout are given, then the postback is refused', () => {
    const { problems } = parsePostback({ clickid: 'c', sum: '1', payout: '2' });
    expect(problems).to.deep.equal([{ field: 'sum,payout', message: 'sum and payout mean the same; give only one of them' }]);
  });

  it('when a value is empty, then it counts as absent', () => {
    expect(parsePostback({ clickid: 'c', sum: '', status: '' }).params).to.include({ payout: null, status: null });
  });

  it('when a token is given, then only its hash travels and the raw copy is redacted', () => {
    const raw = { clickid: 'c', token: 's3cret-token' };
    expect(parsePostback(raw).params?.token_hash).to.equal(hashToken('s3cret-token'));
    expect(JSON.stringify(createRedactor(() => []).params(raw))).not.to.contain('s3cret');
  });

  it('when a look-alike currency is sent (uſd, ınr), then it is refused, not upper-cased into a real code', () => {
    for (const currency of ['uſd', 'ınr', 'US D', 'usd\u0000']) {
      expect(parsePostback({ clickid: 'c', currency }).problems?.[0]?.field, currency).to.equal('currency');
    }
    expect(parsePostback({ clickid: 'c', currency: 'usd' }).params?.currency).to.equal('USD');
  });

  it('when parameters are named like object members, then they are ordinary unknown parameters', () => {
    const raw = Object.assign(Object.create(null) as Record<string, string>, {
      clickid: 'c',
      toString: 'x',
      constructor: 'y',
      valueOf: 'z',
      hasOwnProperty: 'w',
      __proto__: 'p',
    });
    expect(parsePostback(raw).problems).to.equal(null);
  });
});

describe('redaction of what a postback leaves behind', () => {
  const redactor = createRedactor(() => ['known-source-token-1']);

  it('when a token is in a parameter of any name or case, then the kept copy has none', () => {
    const kept = redactor.params({ clickid: 'c', TOKEN: 'a-secret-1', api_key: 'a-secret-2', sub1: 'known-source-token-1' });
    expect(JSON.stringify(kept)).not.to.match(/a-secret|known-source-token/);
    expect(kept.clickid).to.equal('c');
  });

  it('when a token is in a body we could not parse (JSON, form, XML), then the kept text has none', () => {
    for (const body of [
      '{"token":"a-secret-1","sum":',
      'token=a-secret-1&sum=5',
      '<postback><token>a-secret-1</token></postback>',
      "{'Token': 'a-secret-1'}",
      'x known-source-token-1 y',
    ]) {
      expect(redactor.text(body), body).not.to.match(/a-secret|known-source-token/);
    }
  });
});

describe('the quick pass for well-formed postbacks', () => {
  it('when any mix of good and bad values is checked, then it accepts exactly what the schema accepts', () => {
    const values: Record<string, Array<string | undefined>> = {
      clickid: ['abc-1', 'a b', 'x'.repeat(128), 'x'.repeat(129), undefined],
      sum: ['1.5', '-1', '1.1234567', '1e5', undefined],
      payout: ['2', undefined],
      status: ['approved', 'Approved', undefined],
      type: ['Sale', 'x'.repeat(65), undefined],
      txid: ['T1', 'x'.repeat(257), undefined],
      event_id: ['E1', undefined],
      currency: ['eur', 'uſd', 'EURO', undefined],
      sub3: ['s', 'x'.repeat(501), undefined],
    };
    const keys = Object.keys(values);
    let accepted = 0;
    for (let n = 0; n < 3000; n++) {
      const raw: Record<string, string> = {};
      for (const [i, key] of keys.entries()) {
        const options = values[key] as Array<string | undefined>;
        const value = options[(n * (i + 7) + Math.floor(n / (i + 1))) % options.length];
        if (value !== undefined) raw[key] = value;
      }
      const schemaSays = postbackSchema.validate(raw).error === undefined;
      expect(parsePostback(raw).problems === null, JSON.stringify(raw)).to.equal(schemaSays);
      if (schemaSays) accepted++;
    }
    expect(accepted, 'both kinds of input were tried').to.be.within(10, 2990);
  });
});
