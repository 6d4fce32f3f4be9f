import { normaliseRates } from '../../shared/domain/fx.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { isoOrNull } from './http.js';
import { fxRatesBody, type RatesInput } from './fx-rates.schema.js';
import type { ApiDeps } from './api-deps.js';
import { route, type ApiRoute } from './route-table.js';

/**
 * Exchange rates into the account currency. `PUT` replaces the whole set the API
 * keeps; rates from FX_RATES_FILE fill in what it does not name. New postbacks and
 * cost updates use them; amounts already stored keep the rate they were converted at.
 */
export function fxRateRoutes({ store, accountCurrency, fileRates }: Pick<ApiDeps, 'store' | 'accountCurrency' | 'fileRates'>): ApiRoute[] {
  const present = async () => {
    const table = await store.fxRates.get('current');
    return {
      base: accountCurrency,
      rates: { ...fileRates, ...table?.rates },
      from_file: Object.keys(fileRates)
        .filter((code) => !table?.rates[code])
        .sort(),
      updated_at: isoOrNull(table ? table.updated_at : null),
    };
  };
  return [
    route({
      method: 'get',
      path: '/fx-rates',
      summary: 'Exchange rates into the account currency',
      auth: 'api-key',
      status: 200,
      handler: present,
    }),
    route<Record<string, never>, RatesInput>({
      method: 'put',
      path: '/fx-rates',
      summary: 'Replace the exchange rates set over the API',
      auth: 'api-key',
      status: 200,
      body: fxRatesBody,
      handler: async ({ body }) => {
        const { rates, problems } = normaliseRates(body.rates);
        if (rates[accountCurrency] !== undefined && rates[accountCurrency] !== '1')
          problems.push(`${accountCurrency}: the account currency's rate is 1`);
        if (problems.length) {
          throw new AppError(ErrorCodes.VALIDATION, problems.join('; '), {
            httpStatus: 400,
            details: problems.map((message) => ({ field: `rates.${message.split(':')[0]}`, message })),
          });
        }
        // The account currency's rate is 1 by definition, so it is not stored.
        const stored = Object.fromEntries(Object.entries(rates).filter(([code]) => code !== accountCurrency));
        await store.fxRates.put('current', { rates: stored, updated_at: Date.now() });
        return present();
      },
    }),
  ];
}
