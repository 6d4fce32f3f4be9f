import type { TrafficChannel } from '../../../shared/domain/entities.js';
import { fillTemplate, NO_REVERSAL } from '../../../shared/domain/outbound.js';
import { moneyToNumber } from '../../../shared/domain/money.js';
import { headersFor, type AdapterConfig, type ChannelAdapter } from './channel-adapter.js';
import { googleAdsAdapter, microsoftAdsAdapter, tiktokAdapter } from './platforms.js';
import type { TokenSource } from './oauth.js';

/** The channel's `postback_url` with its macros filled in, as a GET; a reversal the same way by its `reversal_url`. */
export const postbackAdapter: ChannelAdapter = {
  build(channel, event, idempotencyKey) {
    if (!channel.postback_url) return Promise.reject(new Error('the channel has no postback_url'));
    return Promise.resolve({
      method: 'GET',
      url: fillTemplate(channel.postback_url, event),
      headers: headersFor(idempotencyKey, false),
      body: null,
    });
  },
  reversal(channel, event, idempotencyKey) {
    if (!channel.reversal_url) return Promise.reject(new Error('the channel has no reversal_url'));
    return Promise.resolve({
      method: 'GET',
      url: fillTemplate(channel.reversal_url, event),
      headers: headersFor(idempotencyKey, false),
      body: null,
    });
  },
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
