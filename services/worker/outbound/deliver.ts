import type { Delivery } from '../../../shared/domain/outbound.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { ErrorCodes } from '../../../shared/errors/error-codes.js';
import { redactUrl } from '../../../shared/domain/outbound.js';
import type { WithLock } from '../../../shared/locking/redis-lock.js';
import type { Store } from '../../../shared/store/store.js';
import type { ChannelAdapter } from './channel-adapter.js';
import type { TrafficChannel } from '../../../shared/domain/entities.js';
import { send, SendError, type OutboundRequest } from './http-send.js';

export interface DeliverDeps {
  store: Store;
  withLock: WithLock;
  adapterFor: (channel: TrafficChannel) => ChannelAdapter;
  timeoutMs: number;
  now?: () => number;
}

/** What one run of a delivery job did. */
export type DeliverResult =
  | { kind: 'delivered'; delivery: Delivery }
  | { kind: 'already_delivered' }
  | { kind: 'failed'; delivery: Delivery; permanent: boolean; error: string }
  | { kind: 'not_sent'; delivery: Delivery }
  /** A reversal whose conversion is still on its way to the channel: try again later, no attempt spent. */
  | { kind: 'wait' };

/** Answers that will not change on a retry: client errors, except timeouts and rate limits. */
const permanentStatus = (status: number): boolean => status >= 400 && status < 500 && status !== 408 && status !== 429;

/**
 * Sends one delivery once. The delivery's id is its idempotency key: a delivery
 * recorded as delivered is never sent again, however often its job runs (a retry, a
 * stalled job taken over after a crash, a retry from the dashboard). The lock keeps
 * two runs of one delivery from overlapping; the stored state decides. A crash after
 * the channel answered but before the answer was recorded sends once more, with the
 * same `Idempotency-Key` header: at least once, never twice after a recorded success.
 * `final` says this is the job's last attempt.
 */
export async function deliver(deps: DeliverDeps, id: string, final: boolean): Promise<DeliverResult> {
  return deps.withLock(`delivery ${id}`, async (held) => {
    const delivery = await deps.store.getDelivery(id);
    if (!delivery || delivery.state === 'delivered') return { kind: 'already_delivered' };
    const now = deps.now ?? Date.now;
    const channel = await deps.store.trafficChannels.get(delivery.channel_id);
    const record = async (patch: Partial<Delivery>): Promise<Delivery> => {
      const updated: Delivery = { ...delivery, ...patch, attempts: delivery.attempts + 1, updated_at: now() };
      await deps.store.updateDelivery(updated);
      return updated;
    };
    const fail = async (error: string, permanent: boolean, patch: Partial<Delivery> = {}): Promise<DeliverResult> => ({
      kind: 'failed',
      permanent,
      error,
      delivery: await record({ ...patch, error, state: permanent || final ? 'failed' : 'retrying' }),
    });
    if (!channel) return fail(`traffic channel ${delivery.channel_id} no longer exists`, true);
    const adapter = deps.adapterFor(channel);

    if (delivery.kind === 'reversal') {
      const waiting = await reversalWaits(deps.store, delivery);
      if (waiting === 'wait') return { kind: 'wait' };
      const why =
        waiting === 'never_sent' ? 'the conversion itself never reached the channel' : adapter.reversal ? null : adapter.noReversal;
      if (why) return { kind: 'not_sent', delivery: await record({ state: 'not_sent', error: why }) };
    }
    let request: OutboundRequest;
    try {
      const build = delivery.kind === 'reversal' ? adapter.reversal : adapter.build;
      if (!build) throw new Error(adapter.noReversal ?? 'this integration cannot take a conversion back');
      request = await build(channel, delivery.event, delivery.id);
    } catch (err) {
      if (err instanceof SendError) return fail(err.message, err.permanent);
      return fail((err as Error).message, true);
    }
    const url = redactUrl(request.url);
    // An ad platform's base URL is the operator's configuration, not the channel's.
    const trusted = channel.trusted || channel.integration !== 'postback';
    // A sender frozen past its lease (SIGSTOP, a long pause) must not send after another took over.
    if (!(await held())) throw new AppError(ErrorCodes.LOCK_BUSY, `the lock of delivery ${id} lapsed before the send`, { retryable: true });
    try {
      const response = await send(request, { timeoutMs: deps.timeoutMs, trusted });
      const refused = response.status >= 200 && response.status < 300 ? (adapter.refusal?.(response) ?? null) : null;
      if (refused) return await fail(refused.error, refused.permanent, { url, http_status: response.status });
      if (response.status >= 200 && response.status < 300) {
        const delivered = await record({ state: 'delivered', url, http_status: response.status, error: null, delivered_at: now() });
        return { kind: 'delivered', delivery: delivered };
      }
      const snippet = response.body.trim().slice(0, 200);
      return await fail(`HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`, permanentStatus(response.status), {
        url,
        http_status: response.status,
      });
    } catch (err) {
      if (!(err instanceof SendError)) throw err;
      return fail(err.message, err.permanent, { url, http_status: null });
    }
  });
}

/**
 * A reversal goes after the conversion it takes back: `wait` while the conversion's own
 * delivery is still on its way, `never_sent` when it failed for good, `go` once delivered.
 */
async function reversalWaits(store: Store, reversal: Delivery): Promise<'wait' | 'never_sent' | 'go'> {
  const own = (await store.listDeliveries({ conversion_id: reversal.conversion_id }, { limit: 100, cursor: null })).items.filter(
    (d) => (d.kind ?? 'conversion') === 'conversion' && d.channel_id === reversal.channel_id,
  );
  if (own.some((d) => d.state === 'delivered')) return 'go';
  return own.some((d) => d.state === 'queued' || d.state === 'retrying') ? 'wait' : 'never_sent';
}
