import { expect } from 'chai';
import { parsePostback, redact } from '../../services/receiver/postback.schema.js';
import { hashToken } from '../../shared/domain/token.js';

describe('postback syntax', () => {
  it('when every parameter is well formed, then they are normalised', () => {
    const parsed = parsePostback({ clickid: 'abc-1', payout: '4.20', status: 'pending', type: 'Upsell', txid: 'T1', currency: 'eur', sub3: 'x' });
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
    expect(JSON.stringify(redact(raw))).not.to.contain('s3cret');
  });
});
