import type { TrafficChannel } from '../../../shared/domain/entities.js';
import { fillTemplate, NO_REVERSAL, type DeliveryEvent } from '../../../shared/domain/outbound.js';
import { moneyToNumber } from '../../../shared/domain/money.js';
import { headersFor, type AdapterConfig, type ChannelAdapter } from './channel-adapter.js';
import type { OutboundRequest } from './http-send.js';
import { googleAdsAdapter, microsoftAdsAdapter, tiktokAdapter } from './platforms.js';
import type { TokenSource } from './oauth.js';

/** A GET of a URL template with the event's macros filled in. */
function templated(template: string | null, name: string, event: DeliveryEvent, idempotencyKey: string): Promise<OutboundRequest> {
  if (!template) return Promise.reject(new Error(`the channel has no ${name}`));
  return Promise.resolve({ method: 'GET', url: fillTemplate(template, event), headers: headersFor(idempotencyKey, false), body: null });
}

/** The channel's `postback_url` with its macros filled in, as a GET; a reversal the same way by its `reversal_url`. */
export const postbackAdapter: ChannelAdapter = {
  build: (channel, event, idempotencyKey) => templated(channel.postback_url, 'postback_url', event, idempotencyKey),
  reversal: (channel, event, idempotencyKey) => templated(channel.reversal_url, 'reversal_url', event, idempotencyKey),
};

/**
 * Facebook Conversions API: one server event per conversion, named by its type (the
 * main conversion by the channel's `main_event_name`), with the conversion id as
 * `event_id` so Facebook drops it if the pixel reported the same event, and the
 * click's fbclid (the click's external id) as `fbc`.
 */
export function facebookAdapter(config: Pick<AdapterConfig, 'facebookGraphUrl' | 'facebookApiVersion'>): ChannelAdapter {
  return {
    noReversal: NO_REVERSAL.facebook_capi,
    build(channel, event, idempotencyKey) {
      const fb = channel.facebook;
      if (!fb) return Promise.reject(new Error('the channel has no facebook settings (pixel_id, access_token)'));
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
      return Promise.resolve({ method: 'POST', url, headers: headersFor(idempotencyKey, true), body: JSON.stringify(body) });
    },
  };
}

/** The adapters of one process: API integrations share a cache of OAuth access tokens. */
export function createAdapters(config: AdapterConfig, tokens: TokenSource): (channel: TrafficChannel) => ChannelAdapter {
  const adapters: Record<TrafficChannel['integration'], ChannelAdapter> = {
    postback: postbackAdapter,
    facebook_capi: facebookAdapter(config),
    google_ads: googleAdsAdapter(config, tokens),
    microsoft_ads: microsoftAdsAdapter(config, tokens),
    tiktok: tiktokAdapter(config),
  };
  return (channel) => adapters[channel.integration];
}
