import Joi from 'joi';
import { parseCurrencyCode } from '../domain/fx.js';

/**
 * An ISO 4217 code in use, given in any case, normalised to upper case. Only ASCII
 * letters count: a look-alike such as `uſd` is refused, not turned into `USD`.
 */
export const currencyField = Joi.string()
  .custom((text: string, helpers) => parseCurrencyCode(text) ?? helpers.error('any.invalid'))
  .messages({ 'any.invalid': '{#label} must be an ISO 4217 currency code in use (three ASCII letters), e.g. USD or EUR' });
