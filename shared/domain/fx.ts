/**
 * Currencies and exchange rates. A rate says how many units of the account currency
 * one unit of the other currency is worth, as exact decimal text (`1.0842`); amounts
 * are converted in integer micros with BigInt, so nothing passes through a float.
 */

/** The ISO 4217 codes in current use, as Node's ICU knows them. */
const ISO_4217: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export function isIsoCurrency(code: string): boolean {
  return ISO_4217.has(code);
}

/**
 * A currency code as sent, upper-cased: three ASCII letters naming a code in use, or
 * null. The letters are checked before upper-casing, since Unicode upper-casing turns
 * look-alikes into ASCII (`uſd` into `USD`, `ınr` into `INR`).
 */
export function parseCurrencyCode(text: string): string | null {
  if (!/^[A-Za-z]{3}$/.test(text)) return null;
  const code = text.toUpperCase();
  return ISO_4217.has(code) ? code : null;
}

/** A rate > 0 with up to 9 integer digits and 10 decimals. */
export const RATE_PATTERN = /^\d{1,9}(\.\d{1,10})?$/;

/** Rates into the account currency, by ISO code. */
export type FxRates = Readonly<Record<string, string>>;

/** The rates table as stored and as `GET /api/fx-rates` answers. */
export interface FxTable {
  rates: Record<string, string>;
  updated_at: number;
}

/** A converted amount: what it was, in what, at which rate, and what it is in the account currency. */
export interface Converted {
  micros: number;
  original_micros: number;
  original_currency: string;
  rate: string;
}

/** `micros × rate`, rounded half up to the micro (amounts are never negative). */
export function applyRate(micros: number, rate: string): number {
  if (!RATE_PATTERN.test(rate)) throw new RangeError(`not a rate: ${rate}`);
  const [units = '0', fraction = ''] = rate.split('.');
  const scale = 10n ** BigInt(fraction.length);
  const product = BigInt(micros) * BigInt(units + fraction);
  const result = (product * 2n + scale) / (2n * scale);
  if (result > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`converted amount too large: ${micros} × ${rate}`);
  return Number(result);
}

/**
 * Converts an amount in `currency` into the account currency. Null when there is no
 * rate for it: the caller refuses the amount rather than take it 1:1.
 */
export function convert(micros: number, currency: string, accountCurrency: string, rates: FxRates): Converted | null {
  if (currency === accountCurrency) return { micros, original_micros: micros, original_currency: currency, rate: '1' };
  const rate = rates[currency];
  if (rate === undefined) return null;
  return { micros: applyRate(micros, rate), original_micros: micros, original_currency: currency, rate };
}

/** Rates as given in an API body or a file: numbers or strings, checked and normalised to text. */
export function normaliseRates(input: Record<string, string | number>): { rates: Record<string, string>; problems: string[] } {
  const rates: Record<string, string> = Object.create(null) as Record<string, string>;
  const problems: string[] = [];
  for (const [code, value] of Object.entries(input)) {
    const text = String(value);
    if (!isIsoCurrency(code)) problems.push(`${code}: not an ISO 4217 currency code`);
    else if (!RATE_PATTERN.test(text) || /^0+(\.0+)?$/.test(text))
      problems.push(`${code}: the rate must be a decimal > 0 with up to 10 decimals (got ${text})`);
    else rates[code] = text;
  }
  return { rates, problems };
}
