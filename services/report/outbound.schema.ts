import Joi from 'joi';
import { DELIVERY_STATES } from '../../shared/domain/outbound.js';
import type { DeliveryFilter } from '../../shared/store/store.js';
import { cursorField, limitField } from './cursor.js';
import { boundField, tzField } from './report.schema.js';

/** A delivery log query as validated. */
export type OutboundQuery = Omit<DeliveryFilter, 'from' | 'to'> & {
  from?: string;
  to?: string;
  tz: string;
  limit: number;
  cursor?: { t: number; id: string };
};

export const outboundQuery = Joi.object<OutboundQuery>({
  state: Joi.string().valid(...DELIVERY_STATES),
  channel_id: Joi.string().max(64),
  conversion_id: Joi.string().max(64),
  from: boundField,
  to: boundField,
  tz: tzField,
  limit: limitField,
  cursor: cursorField,
});
