import { Router } from 'express';
import Joi from 'joi';
import type { ConversionType } from '../../shared/domain/entities.js';
import { moneyToNumber } from '../../shared/domain/money.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import type { Store } from '../../shared/store/store.js';
import { derivedMetrics } from './metrics-math.js';
import { rangeOf } from './report.route.js';
import { boundField, tzField } from './report.schema.js';
import { validate } from './validate.js';

export const funnelQuery = Joi.object({
  from: boundField,
  to: boundField,
  tz: tzField,
  campaign: Joi.string().max(64),
});

/** Journey types in funnel order: the order they were configured in. */
const journeyTypes = async (store: Store): Promise<ConversionType[]> =>
  (await store.conversionTypes.list()).filter((t) => t.journey).sort((a, b) => a.created_at - b.created_at || (a.name < b.name ? -1 : 1));

/**
 * The customer journey (SPEC §6): one click's path through the journey types, and the
 * funnel of all clicks through them.
 */
export function journeysRoute(store: Store): Router {
  const router = Router();

  router.get('/journeys/funnel', async (req, res) => {
    const query = validate<{ from?: string; to?: string; tz: string; campaign?: string }>(funnelQuery, req.query);
    const range = rangeOf(query.from, query.to, query.tz);
    const filters = query.campaign ? { campaign: query.campaign } : {};
    const [types, [clicks], byType] = await Promise.all([
      journeyTypes(store),
      store.aggregateClicks([], range, filters),
      store.aggregateConversions(['type'], range, filters, { distinctClicks: true }),
    ]);
    let previous = clicks?.count ?? 0;
    const steps = types.map((t) => {
      const reached = byType.find((g) => g.key.type === t.name)?.distinctClicks ?? 0;
      const step = { type: t.name, clicks: reached, rate_from_previous: derivedMetrics(previous, reached, 0n, 0n).cr };
      previous = reached;
      return step;
    });
    res.json({ clicks: clicks?.count ?? 0, steps });
  });

  router.get('/journeys/:clickid', async (req, res) => {
    const click = await store.getClick(req.params.clickid);
    if (!click) throw new AppError(ErrorCodes.NOT_FOUND, `no click ${req.params.clickid}`, { httpStatus: 404 });
    const names = new Set((await journeyTypes(store)).map((t) => t.name));
    const { items } = await store.listConversions({ clickid: click.clickid }, { limit: 1000, cursor: null });
    const events = items
      .filter((c) => c.type !== null && names.has(c.type))
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
      .map((c) => ({
        type: c.type,
        conversion_id: c.id,
        status: c.status,
        payout: moneyToNumber(c.payout_micros),
        at: new Date(c.created_at).toISOString(),
        seconds_since_click: Math.round((c.created_at - click.ts) / 1000),
      }));
    res.json({
      click: {
        clickid: click.clickid,
        at: new Date(click.ts).toISOString(),
        campaign_id: click.campaign_id,
        offer_id: click.offer_id,
        traffic_channel_id: click.traffic_channel_id,
        subs: click.subs,
      },
      events,
    });
  });
  return router;
}
