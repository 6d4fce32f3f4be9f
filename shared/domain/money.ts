/**
 * Money is held as integer micro-units (1 unit = 1,000,000 micros) so sums are exact.
 * A payout of up to 10^9 units with 6 decimals stays a safe integer, and renders
 * back to its exact decimal text.
 */
export const MICROS_PER_UNIT = 1_000_000;

/** A decimal ≥ 0 with up to 6 decimals, as accepted in `sum`/`payout`. */
export const MONEY_PATTERN = /^\d{1,9}(\.\d{1,6})?$/;

/** Parses an exact decimal string into micros; throws on anything else. */
export function parseMoney(text: string): number {
  if (!MONEY_PATTERN.test(text)) throw new RangeError(`not a money amount: ${text}`);
  const [units = '0', fraction = ''] = text.split('.');
  return Number(units) * MICROS_PER_UNIT + Number(fraction.padEnd(6, '0'));
}

/** Micros as a plain decimal text with exactly 6 decimals, e.g. `12.500000`. */
export function formatMoney(micros: number | bigint): string {
  const value = BigInt(micros);
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  const units = abs / 1_000_000n;
  const fraction = (abs % 1_000_000n).toString().padStart(6, '0');
  return `${sign}${units}.${fraction}`;
}

/**
 * Micros as a JSON number; exact in print for amounts below 10^9 units. Below 2^53
 * micros, dividing the exact double by 10^6 rounds the same real number the decimal
 * text names, to the same nearest double, without building the text (a report row
 * converts ~20 amounts).
 */
export function moneyToNumber(micros: number | bigint): number {
  const n = Number(micros);
  return Number.isSafeInteger(n) ? n / 1_000_000 : Number(formatMoney(micros));
}
