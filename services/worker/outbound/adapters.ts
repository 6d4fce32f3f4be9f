import type { TrafficChannel } from '../../../shared/domain/entities.js';
import { fillTemplate, type DeliveryEvent } from '../../../shared/domain/outbound.js';
import { moneyToNumber } from '../../../shared/domain/money.js';
import type { OutboundRequest } from './http-send.js';

/**
 * The port for conversion delivery: how one channel wants one event. The postback
 * adapter fills the channel's URL template; API integrations (ad platforms) build
 * their own request and get types but never statuses.
 */
export interface ChannelAdapter {
  build(channel: TrafficChannel, event: DeliveryEvent, idempotencyKey: string): OutboundRequest;
}

export interface AdapterConfig {
  facebookGraphUrl: string;
  facebookApiVersion: string;
}

/** The channel's `postback_url` with its macros filled in, as a GET. */
export const postbackAdapter: ChannelAdapter = {
  build(channel, event, idempotencyKey) {
    if (!channel.postback_url) throw new Error('the channel has no postback_url');
    return {
      method: 'GET',
      url: fillTemplate(channel.postback_url, event),
      headers: { 'idempotency-key': idempotencyKey, 'user-agent': 'convtrack' },
      body: null,
    };
  },
};

/**
 * Facebook Conversions API: one server event per conversion, named by its type (the
 * main conversion by the channel's `main_event_name`), with the conversion id as
 * `event_id` so Facebook drops it if the pixel reported the same event, and the
 * click's fbclid (the click's external id) as `fbc`.
 */
export function facebookAdapter(config: AdapterConfig): ChannelAdapter {
  return {
    build(channel, event, idempotencyKey) {
      const fb = channel.facebook;
      if (!fb) throw new Error('the channel has no facebook settings (pixel_id, access_token)');
      const eventTime = Math.floor(event.created_at / 1000);
      const userData: Record<string, unknown> = {};
      if (event.external_id) userData.fbc = `fb.1.${event.click_ts}.${event.external_id}`;
      if (event.ip) userData.client_ip_address = event.ip;
      if (event.user_agent) userData.client_user_agent = event.user_agent;
      const body = {
        data: [
          {
            event_name: event.type ?? fb.main_event_name,
            event_time: eventTime,
            event_id: event.conversion_id,
            action_source: 'website',
            user_data: userData,
            custom_data: { value: moneyToNumber(event.payout_micros), currency: event.currency },
          },
        ],
        ...(fb.test_event_code ? { test_event_code: fb.test_event_code } : {}),
      };
      const url = `${config.facebookGraphUrl}/${config.facebookApiVersion}/${encodeURIComponent(fb.pixel_id)}/events?access_token=${encodeURIComponent(fb.access_token)}`;
      return {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey, 'user-agent': 'convtrack' },
        body: JSON.stringify(body),
      };
    },
  };
}

export function adapterFor(channel: TrafficChannel, config: AdapterConfig): ChannelAdapter {
  return channel.integration === 'facebook_capi' ? facebookAdapter(config) : postbackAdapter;
}
