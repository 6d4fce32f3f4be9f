import { Router } from 'express';
import Joi from 'joi';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { OUTCOMES, REJECT_REASONS } from '../../shared/domain/outcomes.js';
import { STATUSES } from '../../shared/domain/statuses.js';
import type { ConversionFilter, Cursor, PostbackFilter, Store } from '../../shared/store/store.js';
import { cursorField, encodeCursor, limitField } from './cursor.js';
import { presentConversion, presentPostback } from './present.js';
import { validate } from './validate.js';

const conversionQuery = Joi.object({
  clickid: Joi.string().max(128),
  type: Joi.string().max(64),
  status: Joi.string().valid(...STATUSES),
  cursor: cursorField,
  limit: limitField,
});

const postbackQuery = Joi.object({
  outcome: Joi.string().valid(...OUTCOMES),
  reason: Joi.string().valid(...REJECT_REASONS),
  clickid: Joi.string().max(128),
  cursor: cursorField,
  limit: limitField,
});

type Paged<F> = F & { cursor?: Cursor; limit: number };

/** The conversion log and the postback log, newest first, cursor-paginated. */
export function logsRoute(store: Store): Router {
  const router = Router();
  router.get('/conversions', async (req, res) => {
    const { cursor, limit, ...filter } = validate<Paged<ConversionFilter>>(conversionQuery, req.query);
    const page = await store.listConversions(filter, { limit, cursor: cursor ?? null });
    res.json({ items: page.items.map(presentConversion), next_cursor: encodeCursor(page.next) });
  });
  router.get('/postbacks', async (req, res) => {
    const { cursor, limit, ...filter } = validate<Paged<PostbackFilter>>(postbackQuery, req.query);
    const page = await store.listPostbacks(filter, { limit, cursor: cursor ?? null });
    res.json({ items: page.items.map(presentPostback), next_cursor: encodeCursor(page.next) });
  });
  router.get('/postbacks/:id', async (req, res) => {
    const entry = await store.getPostback(req.params.id);
    if (!entry) throw new AppError(ErrorCodes.NOT_FOUND, `no postback ${req.params.id} in the log (it may still be queued)`, { httpStatus: 404 });
    res.json(presentPostback(entry));
  });
  return router;
}
