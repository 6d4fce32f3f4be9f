import type {
  Click,
  ConversionRecord,
  ConversionType,
  Integration,
  PlatformMapping,
  ReversalReason,
  Subs,
  TrafficChannel,
} from './entities.js';
import { SUB_KEYS } from './entities.js';
import { formatMoney } from './money.js';
import type { Status } from './statuses.js';

/**
 * One conversion event for one traffic channel. Its id is the idempotency key: a
 * conversion is sent once per status it reaches (once in all to an API integration,
 * which gets no statuses), so a retried job, a re-applied postback or an edit back to
 * a status already sent never sends again.
 */
export interface Delivery {
  id: string;
  /** A conversion, or its reversal (absent in deliveries from before reversals: a conversion). */
  kind?: DeliveryKind;
  conversion_id: string;
  channel_id: string;
  /** What the macros are filled from, as the conversion was when the event happened. */
  event: DeliveryEvent;
  /** `not_sent`: a reversal the channel's integration cannot take, logged instead of sent. */
  state: DeliveryState;
  attempts: number;
  /** The last request, secrets redacted. */
  url: string | null;
  http_status: number | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

export interface DeliveryEvent {
  conversion_id: string;
  clickid: string;
  external_id: string | null;
  campaign_id: string;
  type: string | null;
  status: Status;
  payout_micros: number;
  currency: string;
  event_id: string | null;
  /** The click's subs: the traffic channel's own values from the click URL. */
  subs: Subs;
  /** Conversion time, epoch ms. */
  created_at: number;
  /** The click's time, user agent and address (for platform matching). */
  click_ts: number;
  ip: string | null;
  user_agent: string | null;
  /** A reversal's reason (reversal deliveries only). */
  reversal_reason?: ReversalReason;
  /** When it was reversed, epoch ms (reversal deliveries only). */
  reversed_at?: number;
}

/** What a new traffic channel sends until told otherwise: approved main and marked conversions, to public addresses only. */
export const CHANNEL_DEFAULTS: Omit<TrafficChannel, 'id' | 'name' | 'created_at'> = {
  postback_url: null,
  integration: 'postback',
  send_statuses: ['approved'],
  send_types: null,
  send_main: true,
  trusted: false,
  currency: null,
  facebook: null,
  reversal_url: null,
  google_ads: null,
  microsoft_ads: null,
  tiktok: null,
};

export const DELIVERY_STATES = ['queued', 'retrying', 'delivered', 'failed', 'not_sent'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export type DeliveryKind = 'conversion' | 'reversal';

/**
 * Whether a conversion goes to its click's channel, and under which idempotency key.
 * Its type must be marked `send_to_channel` (the main conversion always may) and be
 * among the channel's types; a postback channel also filters by status, while an API
 * integration gets each conversion once, with no status. Google Ads, Microsoft Ads and
 * TikTok get exactly the types their mapping names. Test conversions go nowhere.
 */
export function deliveryFor(conversion: ConversionRecord, type: ConversionType | null, channel: TrafficChannel): { id: string } | null {
  // A test conversion goes nowhere; a reversed one goes by the channel's reversal URL where it has one.
  if (conversion.test) return null;
  if (channel.integration === 'postback' && (!channel.postback_url || (conversion.reversal && channel.reversal_url))) return null;
  // An ad platform never first hears of a conversion already taken back.
  if (conversion.reversal && channel.integration !== 'postback') return null;
  // Mapped platforms get exactly the mapped types, once each, never a status.
  const mapping = mappingOf(channel);
  if (mapping) return platformName(mapping, conversion.type) === null ? null : { id: `${conversion.id}-sent` };
  if (conversion.type === null ? !channel.send_main : !type?.send_to_channel) return null;
  if (conversion.type !== null && channel.send_types !== null && !channel.send_types.includes(conversion.type)) return null;
  if (channel.integration !== 'postback') return { id: `${conversion.id}-sent` };
  if (!channel.send_statuses.includes(conversion.status)) return null;
  return { id: `${conversion.id}-${conversion.status}` };
}

/** Integrations with no way to take a conversion back: their reversals are logged as not sent, with this reason. */
export const NO_REVERSAL: Partial<Record<Integration, string>> = {
  facebook_capi: 'the Facebook Conversions API has no way to take an event back',
  tiktok: 'the TikTok Events API has no way to take an event back',
};

/**
 * How a channel that got a conversion hears of its reversal: `send` (a reversal
 * delivery: the postback channel's `reversal_url`, Google's and Microsoft's
 * retractions), `by_status` (a postback channel without one that is sent declined
 * conversions: its postback URL, `{status}` declined), or why it cannot (logged as not sent).
 */
export function reversalRoute(channel: TrafficChannel): { kind: 'send' } | { kind: 'by_status' } | { kind: 'cannot'; why: string } {
  const why = NO_REVERSAL[channel.integration];
  if (why) return { kind: 'cannot', why };
  if (channel.integration !== 'postback' || channel.reversal_url) return { kind: 'send' };
  if (channel.send_statuses.includes('declined')) return { kind: 'by_status' };
  return { kind: 'cannot', why: 'the channel has no reversal_url and is not sent declined conversions' };
}

/** The platform's name for a conversion of `type` (null: the main one) on a mapped channel; null when not mapped (not sent). */
export function platformName(mapping: PlatformMapping, type: string | null): string | null {
  if (type === null) return mapping.main;
  return Object.hasOwn(mapping.types, type) ? (mapping.types[type] ?? null) : null;
}

/** The mapping of an ad platform channel that sends by mapping (all but Facebook, which sends types by their own names). */
export function mappingOf(channel: TrafficChannel): PlatformMapping | null {
  if (channel.integration === 'google_ads') return channel.google_ads;
  if (channel.integration === 'microsoft_ads') return channel.microsoft_ads;
  if (channel.integration === 'tiktok') return channel.tiktok;
  return null;
}

/** The event a delivery sends: the conversion as it is now, with what its click adds. */
export function deliveryEvent(conversion: ConversionRecord, click: Click | null): DeliveryEvent {
  return {
    conversion_id: conversion.id,
    clickid: conversion.clickid,
    external_id: click?.external_id ?? null,
    campaign_id: conversion.click.campaign_id,
    type: conversion.type,
    status: conversion.status,
    payout_micros: conversion.payout_micros,
    currency: conversion.currency,
    event_id: conversion.event_id,
    subs: conversion.click.subs,
    created_at: conversion.created_at,
    click_ts: click?.ts ?? conversion.created_at,
    ip: click?.ip ?? null,
    user_agent: click?.user_agent ?? null,
  };
}

/** The macros of a postback URL template, each value URL-encoded; unknown ones (`{constructor}` too) stay as written. */
export function fillTemplate(template: string, event: DeliveryEvent): string {
  const values: Record<string, string> = {
    external_id: event.external_id ?? '',
    clickid: event.clickid,
    payout: formatMoney(event.payout_micros).replace(/\.?0+$/, ''),
    currency: event.currency,
    type: event.type ?? '',
    status: event.status,
    event_id: event.event_id ?? '',
    campaign_id: event.campaign_id,
    conversion_id: event.conversion_id,
  };
  for (const key of SUB_KEYS) values[key] = event.subs[key] ?? '';
  values.reversal_reason = event.reversal_reason ?? '';
  return template.replace(/\{([a-z0-9_]+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? encodeURIComponent(values[name] as string) : whole,
  );
}

const SECRET_PARAM = /token|secret|key|pass|sig|auth/i;

/** A URL fit for the delivery log: credentials and secret-looking query values replaced. */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '[unparseable URL]';
  }
  if (url.username || url.password) {
    url.username = 'redacted';
    url.password = '';
  }
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAM.test(name)) url.searchParams.set(name, 'redacted');
  return url.toString();
}
