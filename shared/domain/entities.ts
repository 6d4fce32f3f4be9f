import type { DuplicateMode, DuplicateStatus } from './duplicate-modes.js';
import type { Outcome, RejectReason } from './outcomes.js';
import type { Integration } from './outbound.js';
import type { Status } from './statuses.js';

/**
 * The entities of SPEC §2. Field names are snake_case because these records are
 * stored as they are and are what the API answers with.
 */

/** sub1..sub10 values; absent keys are unset. */
export type Subs = Partial<Record<SubKey, string>>;
export const SUB_KEYS = ['sub1', 'sub2', 'sub3', 'sub4', 'sub5', 'sub6', 'sub7', 'sub8', 'sub9', 'sub10'] as const;
export type SubKey = (typeof SUB_KEYS)[number];

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
  created_at: number;
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
  created_at: number;
}

export interface ConversionType {
  /** Case-sensitive, exactly as sent in `type=`. */
  name: string;
  duplicate_mode: DuplicateMode | null;
  journey: boolean;
  send_to_channel: boolean;
  created_at: number;
}

/** The click's report dimensions, copied onto each of its conversions. */
export interface ClickDimensions {
  campaign_id: string;
  offer_id: string;
  offer_source_id: string;
  traffic_channel_id: string;
  subs: Subs;
}

export interface Click extends ClickDimensions {
  clickid: string;
  /** Epoch milliseconds. */
  ts: number;
  external_id: string | null;
  ip: string | null;
  user_agent: string | null;
  cost_micros: number;
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
}

/** A postback's parameters once their syntax is checked (SPEC §3). */
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
}

/** The click's report dimensions, as copied onto each of its conversions. */
export function dimensionsOf(click: Click): ClickDimensions {
  return {
    campaign_id: click.campaign_id,
    offer_id: click.offer_id,
    offer_source_id: click.offer_source_id,
    traffic_channel_id: click.traffic_channel_id,
    subs: click.subs,
  };
}
