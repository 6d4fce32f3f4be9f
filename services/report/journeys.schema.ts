import Joi from 'joi';
import { boundField, tzField } from './report.schema.js';

/** The funnel's query: a range in `tz`, maybe one campaign. */
export interface FunnelQuery {
  from?: string;
  to?: string;
  tz: string;
  campaign?: string;
}

export const funnelQuery = Joi.object<FunnelQuery>({
  from: boundField,
  to: boundField,
  tz: tzField,
  campaign: Joi.string().max(64),
});
