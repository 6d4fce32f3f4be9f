import { readFileSync } from 'node:fs';
import { normaliseRates, type FxRates } from '../domain/fx.js';
import type { Store } from './store.js';

/**
 * Reads a rates file (`FX_RATES_FILE`): `{"rates": {"EUR": "1.08", ...}}`, rates in
 * account-currency units per unit. A bad file stops the service at start.
 */
export function readRatesFile(path: string): FxRates {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`FX_RATES_FILE ${path}: ${(err as Error).message}`, { cause: err });
  }
  const rates = (parsed as { rates?: unknown }).rates;
  if (!rates || typeof rates !== 'object') throw new Error(`FX_RATES_FILE ${path}: expected {"rates": {"EUR": "1.08", ...}}`);
  const { rates: normalised, problems } = normaliseRates(rates as Record<string, string | number>);
  if (problems.length) throw new Error(`FX_RATES_FILE ${path}: ${problems.join('; ')}`);
  return normalised;
}

/** Today's rates: the file's, overridden by those set over the API. */
export function ratesFrom(store: Store, fileRates: FxRates): () => Promise<FxRates> {
  return async () => ({ ...fileRates, ...(await store.fxRates.get('current'))?.rates });
}
