import { moneyToNumber } from '../../shared/domain/money.js';

/** n / d rounded half away from zero, in integers. */
function divRound(n: bigint, d: bigint): bigint {
  const negative = n < 0n !== d < 0n;
  const [a, b] = [n < 0n ? -n : n, d < 0n ? -d : d];
  const q = (2n * a + b) / (2n * b);
  return negative ? -q : q;
}

const micros = (value: bigint | null): number | null => (value === null ? null : moneyToNumber(value));

/** The derived columns of a report row, exact to 6 decimals; null where the divisor is 0. */
export function derivedMetrics(clicks: number, conversions: number, revenueMicros: bigint, costMicros: bigint) {
  const c = BigInt(clicks);
  const v = BigInt(conversions);
  const profit = revenueMicros - costMicros;
  return {
    profit: moneyToNumber(profit),
    roi: micros(costMicros === 0n ? null : divRound(profit * 100n * 1_000_000n, costMicros)),
    cr: micros(c === 0n ? null : divRound(v * 100n * 1_000_000n, c)),
    epc: micros(c === 0n ? null : divRound(revenueMicros, c)),
    cpc: micros(c === 0n ? null : divRound(costMicros, c)),
    cpa: micros(v === 0n ? null : divRound(costMicros, v)),
  };
}
