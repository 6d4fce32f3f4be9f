import Joi from 'joi';

/** The rates `PUT /fx-rates` takes: numbers or decimal strings by currency code. */
export interface RatesInput {
  rates: Record<string, string | number>;
}

export const fxRatesBody = Joi.object<RatesInput>({
  rates: Joi.object()
    .pattern(Joi.string(), Joi.alternatives().try(Joi.number(), Joi.string()))
    .required()
    .description('account-currency units per unit of each currency, e.g. {"EUR": "1.0842"}'),
});
