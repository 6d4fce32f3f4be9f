import type { ConversionType } from '../../shared/domain/entities.js';
import { moneyToNumber } from '../../shared/domain/money.js';
import type { Store } from '../../shared/store/store.js';
import { derivedMetrics } from './metrics-math.js';
import { rangeOf } from './dates.js';
import { iso, notFound } from './http.js';
import { funnelQuery, type FunnelQuery } from './journeys.schema.js';
import type { ApiDeps } from './api-deps.js';
import { route, type ApiRoute } from './route-table.js';

/** Journey types in funnel order: the order they were configured in. */
const journeyTypes = async (store: Store): Promise<ConversionType[]> =>
  (await store.conversionTypes.list()).filter((t) => t.journey).sort((a, b) => a.created_at - b.created_at || (a.name < b.name ? -1 : 1));

/**
 * The customer journey (specification §6): one click's path through the journey types, and the
 * funnel of all clicks through them.
 */
export function journeyRoutes({ store }: Pick<ApiDeps, 'store'>): ApiRoute[] {
  return [
    route<FunnelQuery>({
      method: 'get',
      path: '/journeys/funnel',
      summary: 'Clicks reaching each journey type, and the rate between steps',
      auth: 'api-key',
      status: 200,
      query: funnelQuery,
      handler: async ({ query }) => {
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
        return { clicks: clicks?.count ?? 0, steps };
      },
    }),
    route({
      method: 'get',
      path: '/journeys/:clickid',
      summary: "One click's journey",
      auth: 'api-key',
      status: 200,
      handler: async ({ params }) => {
        const clickid = params.clickid ?? '';
        const click = await store.getClick(clickid);
        if (!click) throw notFound(`no click ${clickid}`);
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
            at: iso(c.created_at),
            seconds_since_click: Math.round((c.created_at - click.ts) / 1000),
          }));
        return {
          click: {
            clickid: click.clickid,
            at: iso(click.ts),
            campaign_id: click.campaign_id,
            offer_id: click.offer_id,
            traffic_channel_id: click.traffic_channel_id,
            subs: click.subs,
          },
          events,
        };
      },
    }),
  ];
}
