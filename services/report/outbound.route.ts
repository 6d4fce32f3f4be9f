import type { DeliveryFilter } from '../../shared/store/store.js';
import { encodeCursor } from './cursor.js';
import { rangeOf } from './dates.js';
import { conflict, notFound } from './http.js';
import { presentDelivery } from './present.js';
import { outboundQuery, type OutboundQuery } from './outbound.schema.js';
import type { ApiDeps } from './api-deps.js';
import { route, type ApiRoute } from './route-table.js';

/**
 * The delivery log of outbound postbacks: one entry per conversion event and channel,
 * with the last URL called (secrets redacted), HTTP status, error and attempts. A
 * failed delivery can be retried here or from the queue dashboard.
 */
export function outboundRoutes({ store, retryDelivery: retry }: Pick<ApiDeps, 'store' | 'retryDelivery'>): ApiRoute[] {
  const load = async (id: string) => {
    const delivery = await store.getDelivery(id);
    if (!delivery) throw notFound(`no delivery ${id}`);
    return delivery;
  };
  return [
    route<OutboundQuery>({
      method: 'get',
      path: '/outbound',
      summary: 'The delivery log of outbound postbacks, newest first',
      auth: 'api-key',
      status: 200,
      query: outboundQuery,
      handler: async ({ query: { from, to, tz, limit, cursor, ...rest } }) => {
        const range = rangeOf(from, to, tz);
        const filter: DeliveryFilter = {
          ...rest,
          ...(range.from === null ? {} : { from: range.from }),
          ...(range.to === null ? {} : { to: range.to }),
        };
        const page = await store.listDeliveries(filter, { limit, cursor: cursor ?? null });
        return { items: page.items.map(presentDelivery), next_cursor: encodeCursor(page.next) };
      },
    }),
    route({
      method: 'get',
      path: '/outbound/:id',
      summary: 'One delivery',
      auth: 'api-key',
      status: 200,
      handler: async ({ params }) => presentDelivery(await load(params.id ?? '')),
    }),
    route({
      method: 'post',
      path: '/outbound/:id/retry',
      summary: 'Send a failed delivery again',
      auth: 'api-key',
      status: 202,
      handler: async ({ params }) => {
        const delivery = await load(params.id ?? '');
        if (delivery.state === 'delivered') throw conflict(`delivery ${delivery.id} was delivered; it is never sent twice`);
        const how = await retry(delivery.id);
        if (how === 'in_progress') throw conflict(`delivery ${delivery.id} is being sent right now`);
        return { id: delivery.id, retry: how };
      },
    }),
  ];
}
