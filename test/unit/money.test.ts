import { expect } from 'chai';
import { formatMoney, moneyToNumber, parseMoney } from '../../shared/domain/money.js';

describe('money', () => {
  it('when a decimal text is parsed, then it becomes exact integer micros', () => {
    expect(parseMoney('12.5')).to.equal(12_500_000);
    expect(parseMoney('0.000001')).to.equal(1);
    expect(parseMoney('7')).to.equal(7_000_000);
  });

  it('when amounts that floats get wrong are summed, then the sum is exact', () => {
    const sum = parseMoney('0.1') + parseMoney('0.2');
    expect(formatMoney(sum)).to.equal('0.300000');
    expect(moneyToNumber(sum)).to.equal(0.3);
  });

  it('when a sum passes 2^53 micros, then it still formats exactly', () => {
    expect(formatMoney(9_007_199_254_740_993n)).to.equal('9007199254.740993');
  });

  it('when the text has more than 6 decimals or a sign, then it is refused', () => {
    expect(() => parseMoney('1.1234567')).to.throw(RangeError);
    expect(() => parseMoney('-1')).to.throw(RangeError);
    expect(() => parseMoney('1e3')).to.throw(RangeError);
  });
});
