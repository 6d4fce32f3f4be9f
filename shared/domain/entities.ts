import type { DuplicateMode, DuplicateStatus } from './duplicate-modes.js';
import type { Outcome, RejectReason } from './outcomes.js';
import type { Status } from './statuses.js';
import type { Traits } from './traits.js';

/**
 * The entities of specification §2. Field names are snake_case because these records are
 * stored as they are and are what the API answers with.
 */

/** sub1..sub10 values; absent keys are unset. */
export type Subs = Partial<Record<SubKey, string>>;
export const SUB_KEYS = ['sub1', 'sub2', 'sub3', 'sub4', 'sub5', 'sub6', 'sub7', 'sub8', 'sub9', 'sub10'] as const;
export type SubKey = (typeof SUB_KEYS)[number];

/**
 * The ad platforms' own click ids, which they append to the landing URL by themselves
 * (Facebook, Google Ads, Microsoft Ads, TikTok): a click without `external_id` takes the
 * first of them it has as its external id.
 */
export const PLATFORM_CLICK_IDS = ['fbclid', 'gclid', 'msclkid', 'ttclid'] as const;

export { TRAIT_KEYS, type TraitKey, type Traits } from './traits.js';

export interface OfferSource {
  id: string;
  name: string;
  /** The currency its payouts are in when a postback names none; null = the account currency. */
  currency: string | null;
  default_status: Status;
  duplicate_mode: DuplicateMode;
  /** Stored in clear in the store (it has to be compared); never logged or queued. */
  postback_token: string | null;
  ip_allowlist: string[];
  /** Every postback of its clicks is a test postback (specification §11): applied and logged, counted nowhere, sent nowhere. */
  test_mode: boolean;
  created_at: number;
}

export interface Offer {
  id: string;
  name: string;
  url: string;
  offer_source_id: string;
  /** Default payout in micros. */
  payout_micros: number;
  created_at: number;
}

/** How a channel takes conversions: a postback URL, or an ad platform's API. */
export const INTEGRATIONS = ['postback', 'facebook_capi', 'google_ads', 'microsoft_ads', 'tiktok'] as const;
export type Integration = (typeof INTEGRATIONS)[number];

export interface TrafficChannel {
  id: string;
  name: string;
  /** Outbound postback template with macros such as {external_id} and {payout}. */
  postback_url: string | null;
  /** `postback` (the URL above) or an ad platform's API, which gets types but no statuses. */
  integration: Integration;
  /** Statuses a conversion is sent in (postback channels). */
  send_statuses: Status[];
  /** Types sent (each must also be marked `send_to_channel`); null = every such type. */
  send_types: string[] | null;
  /** Whether the main conversion (no type) is sent. */
  send_main: boolean;
  /** Trusted channels may be sent to private and loopback addresses. */
  trusted: boolean;
  /** The currency its costs are in when a cost update names none; null = the account currency. */
  currency: string | null;
  /** Facebook Conversions API settings, for `integration: facebook_capi`. */
  facebook: FacebookSettings | null;
  /**
   * Postback channels: a URL template called when a conversion the channel got is
   * reversed (`{reversal_reason}` and the postback macros). Without one, a channel that
   * is sent declined conversions hears of it by its postback URL, with `{status}` declined.
   */
  reversal_url: string | null;
  /** Google Ads offline click conversions, for `integration: google_ads`. */
  google_ads: GoogleAdsSettings | null;
  /** Microsoft Advertising offline conversions, for `integration: microsoft_ads`. */
  microsoft_ads: MicrosoftAdsSettings | null;
  /** TikTok Events API, for `integration: tiktok`. */
  tiktok: TikTokSettings | null;
  created_at: number;
}

/**
 * Which of our conversions an ad platform gets, under which of its names: each
 * conversion type mapped (exactly as named) to the platform's conversion action or
 * event, and the main conversion to `main` (null: not sent). Unmapped types are not sent.
 */
export interface PlatformMapping {
  main: string | null;
  types: Record<string, string>;
}

/** Google Ads API: offline click conversions by gclid, one conversion action per type. Secrets are never returned or logged. */
export interface GoogleAdsSettings extends PlatformMapping {
  /** The account the conversion actions belong to, digits only. */
  customer_id: string;
  /** The manager account the credentials act through, if any. */
  login_customer_id: string | null;
  developer_token: string;
  client_id: string;
  client_secret: string;
  refresh_token: string;
}

/** Microsoft Advertising API: offline conversions by msclkid, named by the offline conversion goal. */
export interface MicrosoftAdsSettings extends PlatformMapping {
  customer_id: string;
  account_id: string;
  developer_token: string;
  client_id: string;
  /** Web apps have one; desktop and mobile apps do not. */
  client_secret: string | null;
  refresh_token: string;
}

/** TikTok Events API 2.0: web events by ttclid, named by TikTok's event names. */
export interface TikTokSettings extends PlatformMapping {
  pixel_code: string;
  access_token: string;
  test_event_code: string | null;
}

export interface FacebookSettings {
  pixel_id: string;
  /** A secret: never logged, redacted in the delivery log. */
  access_token: string;
  /** Event name of the main conversion (types are sent by their own names). */
  main_event_name: string;
  /** Test events code from Events Manager, if any. */
  test_event_code: string | null;
}

export interface Campaign {
  id: string;
  name: string;
  traffic_channel_id: string;
  offer_id: string;
  /**
   * The click URL parameter carrying the click's cost (the channel's cost macro goes in
   * it, e.g. `cost={bid}`); null or absent: clicks cost nothing until a cost update.
   */
  cost_param?: string | null;
  /** The currency of that cost; null: the traffic channel's currency, else the account currency. */
  cost_currency?: string | null;
  created_at: number;
}

export interface ConversionType {
  /** Case-sensitive, exactly as sent in `type=`. */
  name: string;
  duplicate_mode: DuplicateMode | null;
  journey: boolean;
  send_to_channel: boolean;
  /**
   * Whether its conversions count in a report's `conversions` (and so CR and CPA),
   * and whether their payouts count in `revenue` (and so profit, ROI, EPC). Its own
   * columns count it whatever these say. Absent (types stored before): true.
   */
  counts_in_conversions?: boolean;
  counts_in_revenue?: boolean;
  created_at: number;
}

/** The click's report dimensions, copied onto each of its conversions. */
export interface ClickDimensions {
  campaign_id: string;
  offer_id: string;
  offer_source_id: string;
  traffic_channel_id: string;
  subs: Subs;
  /** Country, device, OS, browser, bot (absent on clicks and conversions stored before they were derived). */
  traits?: Traits;
}

export interface Click extends ClickDimensions {
  clickid: string;
  /** Epoch milliseconds. */
  ts: number;
  external_id: string | null;
  ip: string | null;
  user_agent: string | null;
  /** What the click costs now: the newest cost update's share, else its own cost. */
  cost_micros: number;
  /** The cost the click URL carried (the campaign's cost parameter), in account micros; 0 without one. A cost update replaces it, an undo brings it back. */
  own_cost_micros?: number;
}

export interface Conversion {
  id: string;
  clickid: string;
  /** null is the main conversion. */
  type: string | null;
  status: Status;
  /** The payout in the account currency: what reports add up. */
  payout_micros: number;
  /** The account currency at the time. */
  currency: string;
  /** The payout as the network sent it (or the offer's default), in its own currency. */
  original_payout_micros: number;
  original_currency: string;
  /** Account-currency units per unit of `original_currency`, as exact decimal text ('1' when the same). */
  fx_rate: string;
  event_id: string | null;
  duplicate_status: DuplicateStatus;
  created_at: number;
  updated_at: number;
  /** The click's dimensions (denormalised for reports), click subs included. */
  click: ClickDimensions;
  /** sub1..sub10 as the postback carried them. */
  subs: Subs;
  /** Made by test postbacks: kept apart from the real ones, in no report, sent to no channel. */
  test: boolean;
  /** Set once the conversion is reversed (a chargeback, a refund): it is then `declined` and its revenue is out of net revenue. */
  reversal: Reversal | null;
  /**
   * Every postback applied to this conversion, first one first. Read from the
   * postback log (each applied postback names its conversion), not kept on the
   * conversion, so a conversion with 10,000 increments costs no more to change than
   * a new one.
   */
  postback_ids: string[];
}

/** A conversion as the duplicate rules make it and the store keeps it. */
export type ConversionRecord = Omit<Conversion, 'postback_ids'>;

/** Why money was taken back. Stored data: do not rename. */
export const REVERSAL_REASONS = ['chargeback', 'refund', 'fraud', 'declined', 'other'] as const;
export type ReversalReason = (typeof REVERSAL_REASONS)[number];

/** Who took a conversion's money back, when and why (specification §11). */
export interface Reversal {
  reason: ReversalReason;
  reversed_at: number;
  /** What asked for it: a postback (its id in `postback_id`) or a call to the API. */
  source: 'postback' | 'api';
  postback_id: string | null;
  /** The sender's address, and for the API the request id and the caller's note. */
  ip: string | null;
  request_id: string | null;
  note: string | null;
  /** The status the conversion had before. */
  previous_status: Status;
}

/** Request parameters as received; a repeated key keeps all its values. */
export type RawParams = Record<string, string | string[]>;

export interface PostbackLogEntry {
  /** The postback id, which is also its BullMQ job id. */
  id: string;
  received_at: number;
  processed_at: number;
  request_id: string | null;
  method: string;
  ip: string | null;
  /** The parameters as received (any token redacted). */
  raw: RawParams;
  clickid: string | null;
  type: string | null;
  /** The click's campaign and offer source, where the click is known. */
  campaign_id: string | null;
  offer_source_id: string | null;
  outcome: Outcome;
  reason: RejectReason | null;
  /** A human-readable detail, e.g. which parameter was malformed. */
  detail: string | null;
  conversion_id: string | null;
  /** The checked parameters (null when malformed), kept so the postback can be replayed. */
  params: PostbackParams | null;
  /** A test postback (`test=1`, or its offer source in test mode). */
  test: boolean;
}

/** A postback's parameters once their syntax is checked (specification §3). */
export interface PostbackParams {
  clickid: string;
  /** Exact decimal text, e.g. `12.5`; parsed to micros by the worker. */
  payout: string | null;
  status: Status | null;
  type: string | null;
  event_id: string | null;
  currency: string | null;
  /** SHA-256 of the token, never the token itself. */
  token_hash: string | null;
  subs: Subs;
  /** `test=1`: a test postback. Absent in jobs queued before test postbacks existed. */
  test?: boolean;
  /** `reversal=<reason>`: take the conversion's money back instead of recording one. */
  reversal?: ReversalReason | null;
}

/** The click's report dimensions, as copied onto each of its conversions. */
export function dimensionsOf(click: Click): ClickDimensions {
  return {
    campaign_id: click.campaign_id,
    offer_id: click.offer_id,
    offer_source_id: click.offer_source_id,
    traffic_channel_id: click.traffic_channel_id,
    subs: click.subs,
    traits: click.traits ?? {},
  };
}
