import { Router } from 'express';
import Joi from 'joi';
import { normaliseRates, type FxRates } from '../../shared/domain/fx.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import type { Store } from '../../shared/store/store.js';
import { validateBody } from './validate.js';

export const fxRatesBody = Joi.object({
  rates: Joi.object()
    .pattern(Joi.string(), Joi.alternatives().try(Joi.number(), Joi.string()))
    .required()
    .description('account-currency units per unit of each currency, e.g. {"EUR": "1.0842"}'),
});

/**
 * Exchange rates into the account currency. `PUT` replaces the whole set the API
 * keeps; rates from FX_RATES_FILE fill in what it does not name. New postbacks and
 * cost updates use them; amounts already stored keep the rate they were converted at.
 */
export function fxRatesRoute(store: Store, accountCurrency: string, fileRates: FxRates): Router {
  const router = Router();
  const present = async () => {
    const table = await store.fxRates.get('current');
    return {
      base: accountCurrency,
      rates: { ...fileRates, ...table?.rates },
      from_file: Object.keys(fileRates)
        .filter((code) => !table?.rates[code])
        .sort(),
      updated_at: table ? new Date(table.updated_at).toISOString() : null,
    };
  };
  router.get('/fx-rates', async (_req, res) => {
    res.json(await present());
  });
  router.put('/fx-rates', async (req, res) => {
    const input = validateBody<{ rates: Record<string, string | number> }>(fxRatesBody, req);
    const { rates, problems } = normaliseRates(input.rates);
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
    res.json(await present());
  });
  return router;
}
