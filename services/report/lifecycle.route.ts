import Joi from 'joi';
import { REVERSAL_REASONS, type ReversalReason } from '../../shared/domain/entities.js';
import { conflict, notFound, queueUnavailable } from './http.js';
import { presentConversion } from './present.js';
import type { ApiDeps } from './api-deps.js';
import { route, type ApiRoute } from './route-table.js';

interface ReverseBody {
  reason: ReversalReason;
  note?: string;
}

const reverseBody = Joi.object<ReverseBody>({
  reason: Joi.string()
    .valid(...REVERSAL_REASONS)
    .default('other'),
  note: Joi.string().max(500),
});

/**
 * The conversion lifecycle (specification §11): reversing a conversion by hand, and purging
 * what test postbacks left. A reversal by API is logged on the conversion with the
 * request id, the caller's address and note; the channel that got the conversion is
 * told where its integration can be.
 */
export function lifecycleRoutes({ store, afterReversal }: Pick<ApiDeps, 'store' | 'afterReversal'>): ApiRoute[] {
  return [
    route<Record<string, never>, ReverseBody>({
      method: 'post',
      path: '/conversions/:id/reverse',
      summary: 'Reverse a conversion (chargeback, refund, fraud, declined after approval): its revenue leaves net revenue',
      auth: 'api-key',
      status: 200,
      body: reverseBody,
      bodyOptional: true,
      handler: async ({ req, params, body }) => {
        const id = params.id ?? '';
        const result = await store.reverseConversion({
          match: { id },
          reversal: {
            reason: body.reason,
            reversed_at: Date.now(),
            source: 'api',
            postback_id: null,
            ip: req.ip ?? null,
            request_id: req.id,
            note: body.note ?? null,
          },
          entry: null,
        });
        if (result.kind === 'not_found') throw notFound(`no conversion with id ${id}`);
        // Telling the channel is idempotent: a call again after a 503 queues it now, then answers 409.
        try {
          await afterReversal(result.conversion);
        } catch (cause) {
          throw queueUnavailable(`the reversal's message to the channel (the conversion is reversed; call again to queue it)`, cause);
        }
        if (result.kind === 'already_reversed')
          throw conflict(`conversion ${id} was reversed already (${result.conversion.reversal?.reason ?? ''})`);
        const stored = await store.getConversion(id);
        return presentConversion(stored ?? { ...result.conversion, postback_ids: [] });
      },
    }),
    route({
      method: 'delete',
      path: '/test-data',
      summary: 'Purge test conversions, test postbacks and their ledgers',
      auth: 'api-key',
      status: 200,
      handler: async () => ({ purged: await store.purgeTestData() }),
    }),
  ];
}
