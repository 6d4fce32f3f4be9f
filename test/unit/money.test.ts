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

  it('when amounts become JSON numbers, then each is the number its exact decimal text reads as', () => {
    const amounts = [0n, 1n, -1n, 300_000n, 999_999_999_999_999n, 9_007_199_254_740_991n, 9_007_199_254_740_993n, -123_456_789n];
    let x = 7n;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 6_364_136_223_846_793_005n + 1_442_695_040_888_963_407n) % 2n ** 64n;
      amounts.push((x % 2n ** 54n) * (i % 2 ? 1n : -1n));
    }
    for (const micros of amounts) expect(moneyToNumber(micros), String(micros)).to.equal(Number(formatMoney(micros)));
  });

  it('when the text has more than 6 decimals or a sign, then it is refused', () => {
    expect(() => parseMoney('1.1234567')).to.throw(RangeError);
    expect(() => parseMoney('-1')).to.throw(RangeError);
    expect(() => parseMoney('1e3')).to.throw(RangeError);
  });
});
