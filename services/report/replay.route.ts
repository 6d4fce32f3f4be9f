import type { Request } from 'express';
import type { PostbackLogEntry } from '../../shared/domain/entities.js';
import type { PostbackJob } from '../../shared/queue/jobs.js';
import { conflict, notFound, queueUnavailable } from './http.js';
import { bulkBody, type BulkReplay } from './replay.schema.js';
import type { ApiDeps } from './api-deps.js';
import { route, type ApiRoute } from './route-table.js';

const MAX_BULK = 10_000;

/**
 * Replays rejected postbacks after the settings were fixed (a type added, a token
 * set, a click arrived). The worker runs the logged postback again under its own id,
 * so one that was applied since (or twice replayed) changes nothing.
 */
export function replayRoutes({ store, enqueueReplay: enqueue }: Pick<ApiDeps, 'store' | 'enqueueReplay'>): ApiRoute[] {
  const replay = async (entry: PostbackLogEntry, req: Request): Promise<string> => {
    const jobId = `${entry.id}-replay-${Date.now()}`;
    const job: PostbackJob = {
      receivedAt: entry.received_at,
      requestId: req.id,
      method: entry.method,
      ip: entry.ip,
      raw: entry.raw,
      params: entry.params,
      invalid: null,
      replayOf: entry.id,
    };
    try {
      await enqueue(jobId, job);
    } catch (cause) {
      throw queueUnavailable('the replay', cause);
    }
    return jobId;
  };

  return [
    route<Record<string, never>, BulkReplay>({
      method: 'post',
      path: '/postbacks/replay',
      summary: 'Replay rejected postbacks by reason',
      auth: 'api-key',
      status: 202,
      body: bulkBody,
      handler: async ({ req, body: { reason, clickid } }) => {
        let cursor = null;
        let queued = 0;
        do {
          const page = await store.listPostbacks({ outcome: 'rejected', reason, clickid }, { limit: 500, cursor });
          for (const entry of page.items) {
            await replay(entry, req);
            queued++;
          }
          cursor = page.next;
        } while (cursor && queued < MAX_BULK);
        return { queued, more: cursor !== null };
      },
    }),
    route({
      method: 'post',
      path: '/postbacks/:id/replay',
      summary: 'Replay one rejected postback',
      auth: 'api-key',
      status: 202,
      handler: async ({ req, params }) => {
        const id = params.id ?? '';
        const entry = await store.getPostback(id);
        if (!entry) throw notFound(`no postback ${id} in the log`);
        if (entry.outcome !== 'rejected')
          throw conflict(`postback ${entry.id} was applied (${entry.outcome}); replaying it would change nothing`);
        if (!entry.params) throw conflict(`postback ${entry.id} was malformed (${entry.detail}); a replay would fail the same way`);
        return { id: entry.id, job_id: await replay(entry, req) };
      },
    }),
  ];
}
