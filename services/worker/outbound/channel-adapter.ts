import type { AdapterUrls } from '../../../shared/config/config.js';
import type { TrafficChannel } from '../../../shared/domain/entities.js';
import type { DeliveryEvent } from '../../../shared/domain/outbound.js';
import type { OutboundRequest, OutboundResponse } from './http-send.js';

/** What a 2xx answer may still say: the platform refused the event (`permanent`: sending it again will not help). */
export interface Refusal {
  error: string;
  permanent: boolean;
}

/**
 * The port for conversion delivery: how one channel wants one event. The postback
 * adapter fills the channel's URL template; API integrations (ad platforms) build
 * their own request and get types but never statuses. `reversal` builds the request
 * that takes a delivered conversion back; an adapter without one says why in
 * `noReversal`, and the reversal is logged as not sent.
 */
export interface ChannelAdapter {
  build: (channel: TrafficChannel, event: DeliveryEvent, idempotencyKey: string) => Promise<OutboundRequest>;
  reversal?: (channel: TrafficChannel, event: DeliveryEvent, idempotencyKey: string) => Promise<OutboundRequest>;
  noReversal?: string;
  /** Reads a 2xx answer for a refusal in its body (platforms that answer 200 with errors inside). */
  refusal?: (response: OutboundResponse) => Refusal | null;
}

export type AdapterConfig = AdapterUrls;

/** The headers every outbound request carries; JSON bodies say so. */
export const headersFor = (idempotencyKey: string, json: boolean): Record<string, string> => ({
  ...(json ? { 'content-type': 'application/json' } : {}),
  'idempotency-key': idempotencyKey,
  'user-agent': 'convtrack',
});
