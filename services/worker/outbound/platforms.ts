import type { GoogleAdsSettings, MicrosoftAdsSettings, TrafficChannel } from '../../../shared/domain/entities.js';
import { moneyToNumber } from '../../../shared/domain/money.js';
import { NO_REVERSAL, platformName, type DeliveryEvent } from '../../../shared/domain/outbound.js';
import { headersFor, type AdapterConfig, type ChannelAdapter, type Refusal } from './channel-adapter.js';
import type { OutboundResponse } from './http-send.js';
import type { TokenSource } from './oauth.js';

/*
 * Ad platforms that take conversions by their own click id (the click's external id)
 * and by their own conversion names, mapped per channel from our conversion types.
 * Each request follows the platform's public API reference; statuses are never sent.
 */

const settingsOf = <K extends 'google_ads' | 'microsoft_ads' | 'tiktok'>(
  channel: TrafficChannel,
  key: K,
): NonNullable<TrafficChannel[K]> => {
  const settings = channel[key];
  if (!settings) throw new Error(`the channel has no ${key} settings`);
  return settings;
};

const nameOf = (mapping: { main: string | null; types: Record<string, string> }, event: DeliveryEvent): string => {
  const name = platformName(mapping, event.type);
  if (name === null)
    throw new Error(`${event.type === null ? 'the main conversion' : `type "${event.type}"`} is not mapped for this channel`);
  return name;
};

const clickIdOf = (event: DeliveryEvent, name: string): string => {
  if (!event.external_id) throw new Error(`the click has no ${name} (the click URL's external_id was empty)`);
  return event.external_id;
};

const parse = (body: string): Record<string, unknown> | null => {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/** `2026-11-30 12:00:00+00:00`: the date-time format Google Ads takes. */
const googleTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}+00:00`;
/** Seconds precision, UTC: Microsoft's ConversionTime. */
const isoSeconds = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/**
 * Google Ads API (REST): offline click conversions by gclid
 * (`customers/{id}:uploadClickConversions`), each type to its conversion action, the
 * conversion id as `orderId` (Google keeps one conversion per order id, and a
 * retraction names it); a reversal is a RETRACTION adjustment
 * (`:uploadConversionAdjustments`). Google answers 200 with `partialFailureError` when
 * it refused the row.
 */
export function googleAdsAdapter(config: AdapterConfig, tokens: TokenSource): ChannelAdapter {
  const action = (g: GoogleAdsSettings, name: string): string =>
    name.startsWith('customers/') ? name : `customers/${g.customer_id}/conversionActions/${name}`;
  const request = async (g: GoogleAdsSettings, method: string, body: object, idempotencyKey: string) => {
    const token = await tokens.get(config.googleOauthUrl, {
      client_id: g.client_id,
      client_secret: g.client_secret,
      refresh_token: g.refresh_token,
    });
    return {
      method: 'POST' as const,
      url: `${config.googleAdsApiUrl}/${config.googleAdsApiVersion}/customers/${g.customer_id}:${method}`,
      headers: {
        ...headersFor(idempotencyKey, true),
        authorization: `Bearer ${token}`,
        'developer-token': g.developer_token,
        ...(g.login_customer_id ? { 'login-customer-id': g.login_customer_id } : {}),
      },
      body: JSON.stringify(body),
    };
  };
  return {
    async build(channel, event, idempotencyKey) {
      const g = settingsOf(channel, 'google_ads');
      const conversion = {
        gclid: clickIdOf(event, 'gclid'),
        conversionAction: action(g, nameOf(g, event)),
        conversionDateTime: googleTime(event.created_at),
        conversionValue: moneyToNumber(event.payout_micros),
        currencyCode: event.currency,
        orderId: event.conversion_id,
      };
      return request(g, 'uploadClickConversions', { conversions: [conversion], partialFailure: true }, idempotencyKey);
    },
    async reversal(channel, event, idempotencyKey) {
      const g = settingsOf(channel, 'google_ads');
      const adjustment = {
        conversionAction: action(g, nameOf(g, event)),
        adjustmentType: 'RETRACTION',
        adjustmentDateTime: googleTime(event.reversed_at ?? Date.now()),
        orderId: event.conversion_id,
      };
      return request(g, 'uploadConversionAdjustments', { conversionAdjustments: [adjustment], partialFailure: true }, idempotencyKey);
    },
    refusal: (response) => {
      const failure = parse(response.body)?.partialFailureError as { message?: unknown } | undefined;
      return failure
        ? { error: `Google Ads refused it: ${typeof failure.message === 'string' ? failure.message : 'partial failure'}`, permanent: true }
        : null;
    },
  };
}

/**
 * Microsoft Advertising Campaign Management API (REST, v13): offline conversions by
 * msclkid (`OfflineConversions/Apply`), named by the offline conversion goal; a
 * reversal is a `Retract` adjustment (`OfflineConversionAdjustments/Apply`) naming
 * the same click, goal and time. Refused rows come back as `PartialErrors` in a 200.
 */
export function microsoftAdsAdapter(config: AdapterConfig, tokens: TokenSource): ChannelAdapter {
  const request = async (m: MicrosoftAdsSettings, path: string, body: object, idempotencyKey: string) => {
    const token = await tokens.get(config.microsoftOauthUrl, {
      client_id: m.client_id,
      ...(m.client_secret ? { client_secret: m.client_secret } : {}),
      refresh_token: m.refresh_token,
      scope: 'https://ads.microsoft.com/msads.manage offline_access',
    });
    return {
      method: 'POST' as const,
      url: `${config.microsoftAdsApiUrl}/CampaignManagement/v13/${path}`,
      headers: {
        ...headersFor(idempotencyKey, true),
        authorization: `Bearer ${token}`,
        DeveloperToken: m.developer_token,
        CustomerId: m.customer_id,
        CustomerAccountId: m.account_id,
      },
      body: JSON.stringify(body),
    };
  };
  return {
    async build(channel, event, idempotencyKey) {
      const m = settingsOf(channel, 'microsoft_ads');
      const conversion = {
        ConversionCurrencyCode: event.currency,
        ConversionName: nameOf(m, event),
        ConversionTime: isoSeconds(event.created_at),
        ConversionValue: moneyToNumber(event.payout_micros),
        MicrosoftClickId: clickIdOf(event, 'msclkid'),
      };
      return request(m, 'OfflineConversions/Apply', { OfflineConversions: [conversion] }, idempotencyKey);
    },
    async reversal(channel, event, idempotencyKey) {
      const m = settingsOf(channel, 'microsoft_ads');
      const adjustment = {
        AdjustmentType: 'Retract',
        AdjustmentTime: isoSeconds(event.reversed_at ?? Date.now()),
        ConversionName: nameOf(m, event),
        ConversionTime: isoSeconds(event.created_at),
        MicrosoftClickId: clickIdOf(event, 'msclkid'),
      };
      return request(m, 'OfflineConversionAdjustments/Apply', { OfflineConversionAdjustments: [adjustment] }, idempotencyKey);
    },
    refusal: (response) => {
      const errors = parse(response.body)?.PartialErrors;
      if (!Array.isArray(errors) || errors.length === 0) return null;
      const first = errors[0] as { Message?: unknown; ErrorCode?: unknown };
      const why =
        typeof first.Message === 'string' ? first.Message : typeof first.ErrorCode === 'string' ? first.ErrorCode : 'partial error';
      return { error: `Microsoft Advertising refused it: ${why}`, permanent: true };
    },
  };
}

/** TikTok codes worth another try: rate limited, or TikTok's own trouble. */
const tiktokTransient = (code: number): boolean => code === 40100 || code >= 50000;

/**
 * TikTok Events API 2.0 (`/open_api/v1.3/event/track/`): one web event by ttclid,
 * named by TikTok's event names, the conversion id as `event_id` (TikTok drops the
 * pixel's copy of it). TikTok has no way to retract an event. It answers 200 with a
 * non-zero `code` when it refused the event.
 */
export function tiktokAdapter(config: AdapterConfig): ChannelAdapter {
  return {
    noReversal: NO_REVERSAL.tiktok,
    build(channel, event, idempotencyKey) {
      const t = settingsOf(channel, 'tiktok');
      const user: Record<string, string> = { ttclid: clickIdOf(event, 'ttclid') };
      if (event.ip) user.ip = event.ip;
      if (event.user_agent) user.user_agent = event.user_agent;
      const body = {
        event_source: 'web',
        event_source_id: t.pixel_code,
        ...(t.test_event_code ? { test_event_code: t.test_event_code } : {}),
        data: [
          {
            event: nameOf(t, event),
            event_time: Math.floor(event.created_at / 1000),
            event_id: event.conversion_id,
            user,
            properties: { value: moneyToNumber(event.payout_micros), currency: event.currency },
          },
        ],
      };
      return Promise.resolve({
        method: 'POST',
        url: `${config.tiktokApiUrl}/open_api/v1.3/event/track/`,
        headers: { ...headersFor(idempotencyKey, true), 'Access-Token': t.access_token },
        body: JSON.stringify(body),
      });
    },
    refusal: (response: OutboundResponse): Refusal | null => {
      const answer = parse(response.body);
      const code = typeof answer?.code === 'number' ? answer.code : 0;
      if (code === 0) return null;
      const message = typeof answer?.message === 'string' ? ` ${answer.message}` : '';
      return { error: `TikTok refused it: code ${String(code)}${message}`, permanent: !tiktokTransient(code) };
    },
  };
}
