import { Router } from 'express';
import Joi from 'joi';
import { DELIVERY_STATES, type Delivery } from '../../shared/domain/outbound.js';
import { moneyToNumber } from '../../shared/domain/money.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import type { DeliveryFilter, Store } from '../../shared/store/store.js';
import { cursorField, encodeCursor, limitField } from './cursor.js';
import { rangeOf } from './report.route.js';
import { boundField, tzField } from './report.schema.js';
import { validate } from './validate.js';

/** Runs a delivery's job again now; says how (`queued`: it is already waiting to run). */
export type RetryDelivery = (id: string) => Promise<'retried' | 'promoted' | 'requeued' | 'queued' | 'in_progress'>;

export const outboundQuery = Joi.object({
  state: Joi.string().valid(...DELIVERY_STATES),
  channel_id: Joi.string().max(64),
  conversion_id: Joi.string().max(64),
  from: boundField,
  to: boundField,
  tz: tzField,
  limit: limitField,
  cursor: cursorField,
});

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const presentDelivery = ({ event: { payout_micros, ...event }, ...d }: Delivery) => ({
  ...d,
  created_at: iso(d.created_at),
  updated_at: iso(d.updated_at),
  delivered_at: iso(d.delivered_at),
  event: { ...event, payout: moneyToNumber(payout_micros), created_at: iso(event.created_at), click_ts: iso(event.click_ts) },
});

/**
 * The delivery log of outbound postbacks: one entry per conversion event and channel,
 * with the last URL called (secrets redacted), HTTP status, error and attempts. A
 * failed delivery can be retried here or from the queue dashboard.
 */
export function outboundRoute(store: Store, retry: RetryDelivery): Router {
  const router = Router();
  router.get('/outbound', async (req, res) => {
    const { from, to, tz, limit, cursor, ...rest } = validate<
      Omit<DeliveryFilter, 'from' | 'to'> & { from?: string; to?: string; tz: string; limit: number; cursor?: { t: number; id: string } }
    >(outboundQuery, req.query);
    const range = rangeOf(from, to, tz);
    const filter: DeliveryFilter = {
      ...rest,
      ...(range.from === null ? {} : { from: range.from }),
      ...(range.to === null ? {} : { to: range.to }),
    };
    const page = await store.listDeliveries(filter, { limit, cursor: cursor ?? null });
    res.json({ items: page.items.map(presentDelivery), next_cursor: encodeCursor(page.next) });
  });
  router.get('/outbound/:id', async (req, res) => {
    const delivery = await store.getDelivery(req.params.id);
    if (!delivery) throw new AppError(ErrorCodes.NOT_FOUND, `no delivery ${req.params.id}`, { httpStatus: 404 });
    res.json(presentDelivery(delivery));
  });
  router.post('/outbound/:id/retry', async (req, res) => {
    const delivery = await store.getDelivery(req.params.id);
    if (!delivery) throw new AppError(ErrorCodes.NOT_FOUND, `no delivery ${req.params.id}`, { httpStatus: 404 });
    if (delivery.state === 'delivered')
      throw new AppError(ErrorCodes.CONFLICT, `delivery ${delivery.id} was delivered; it is never sent twice`, { httpStatus: 409 });
    const how = await retry(delivery.id);
    if (how === 'in_progress')
      throw new AppError(ErrorCodes.CONFLICT, `delivery ${delivery.id} is being sent right now`, { httpStatus: 409 });
    res.status(202).json({ id: delivery.id, retry: how });
  });
  return router;
}
