import {
  SUB_KEYS,
  TRAIT_KEYS,
  type PostbackParams,
  type RawParams,
  type Click,
  type Conversion,
  type ConversionRecord,
  type PostbackLogEntry,
  type Reversal,
  type Subs,
  type Traits,
} from '../../domain/entities.js';
import type { DuplicateStatus } from '../../domain/duplicate-modes.js';
import type { Outcome, RejectReason } from '../../domain/outcomes.js';
import { REVERSED } from '../../domain/reversal.js';
import type { Status } from '../../domain/statuses.js';

export type SubColumns = Record<(typeof SUB_KEYS)[number], string | null>;
export type TraitColumns = Record<(typeof TRAIT_KEYS)[number], string | null>;

export interface ClickRow extends SubColumns, TraitColumns {
  clickid: string;
  ts: number;
  campaign_id: string;
  offer_id: string;
  offer_source_id: string;
  traffic_channel_id: string;
  external_id: string | null;
  ip: string | null;
  user_agent: string | null;
  cost_micros: number;
  own_cost_micros: number;
}

export interface ConversionRow extends SubColumns, TraitColumns {
  id: string;
  clickid: string;
  type: string | null;
  status: string;
  payout_micros: number;
  currency: string;
  original_payout_micros: number | null;
  original_currency: string | null;
  fx_rate: string | null;
  event_id: string | null;
  duplicate_status: string;
  created_at: number;
  updated_at: number;
  campaign_id: string;
  offer_id: string;
  offer_source_id: string;
  traffic_channel_id: string;
  subs: string;
  /** The reversal as JSON, or null. */
  reversal: string | null;
  postback_ids: string;
}

export interface PostbackRow {
  id: string;
  received_at: number;
  processed_at: number;
  request_id: string | null;
  method: string;
  ip: string | null;
  raw: string;
  clickid: string | null;
  type: string | null;
  campaign_id: string | null;
  offer_source_id: string | null;
  outcome: string;
  reason: string | null;
  detail: string | null;
  conversion_id: string | null;
  params: string | null;
  test: number;
}

function subColumns(subs: Subs): SubColumns {
  return Object.fromEntries(SUB_KEYS.map((k) => [k, subs[k] ?? null])) as SubColumns;
}

export function subsOf(row: SubColumns): Subs {
  const subs: Subs = {};
  for (const key of SUB_KEYS) {
    const value = row[key];
    if (value !== null) subs[key] = value;
  }
  return subs;
}

export function traitColumns(traits: Traits | undefined): TraitColumns {
  return Object.fromEntries(TRAIT_KEYS.map((k) => [k, traits?.[k] ?? null])) as TraitColumns;
}

export function traitsOf(row: TraitColumns): Traits {
  const traits: Traits = {};
  for (const key of TRAIT_KEYS) {
    const value = row[key];
    if (value !== null) traits[key] = value;
  }
  return traits;
}

export function clickToRow(click: Click): ClickRow {
  const { subs, traits, ...rest } = click;
  return { ...rest, own_cost_micros: click.own_cost_micros ?? 0, ...subColumns(subs), ...traitColumns(traits) };
}

export function rowToClick(row: ClickRow): Click {
  return {
    clickid: row.clickid,
    ts: row.ts,
    campaign_id: row.campaign_id,
    offer_id: row.offer_id,
    offer_source_id: row.offer_source_id,
    traffic_channel_id: row.traffic_channel_id,
    external_id: row.external_id,
    ip: row.ip,
    user_agent: row.user_agent,
    cost_micros: row.cost_micros,
    own_cost_micros: row.own_cost_micros,
    subs: subsOf(row),
    traits: traitsOf(row),
  };
}

export function conversionToRow(c: ConversionRecord): ConversionRow {
  return {
    id: c.id,
    clickid: c.clickid,
    type: c.type,
    // A reversed conversion is `declined`; the rollups and the column copy count it as `reversed` (out of net revenue).
    status: c.reversal ? REVERSED : c.status,
    payout_micros: c.payout_micros,
    currency: c.currency,
    original_payout_micros: c.original_payout_micros,
    original_currency: c.original_currency,
    fx_rate: c.fx_rate,
    event_id: c.event_id,
    duplicate_status: c.duplicate_status,
    created_at: c.created_at,
    updated_at: c.updated_at,
    campaign_id: c.click.campaign_id,
    offer_id: c.click.offer_id,
    offer_source_id: c.click.offer_source_id,
    traffic_channel_id: c.click.traffic_channel_id,
    ...subColumns(c.click.subs),
    ...traitColumns(c.click.traits),
    subs: JSON.stringify(c.subs),
    reversal: c.reversal ? JSON.stringify(c.reversal) : null,
    // Kept for stores from before it was read from the postback log; no longer read.
    postback_ids: '[]',
  };
}

/** A stored conversion with the postbacks applied to it (from the postback log). */
export function rowToConversion(row: ConversionRow, postbackIds: string[], test: boolean): Conversion {
  return {
    id: row.id,
    clickid: row.clickid,
    type: row.type,
    status: row.status === REVERSED ? 'declined' : (row.status as Status),
    payout_micros: row.payout_micros,
    currency: row.currency,
    // Rows from before currencies were converted hold the payout as it came.
    original_payout_micros: row.original_payout_micros ?? row.payout_micros,
    original_currency: row.original_currency ?? row.currency,
    fx_rate: row.fx_rate ?? '1',
    event_id: row.event_id,
    duplicate_status: row.duplicate_status as DuplicateStatus,
    created_at: row.created_at,
    updated_at: row.updated_at,
    click: {
      campaign_id: row.campaign_id,
      offer_id: row.offer_id,
      offer_source_id: row.offer_source_id,
      traffic_channel_id: row.traffic_channel_id,
      subs: subsOf(row),
      traits: traitsOf(row),
    },
    subs: JSON.parse(row.subs) as Subs,
    test,
    reversal: row.reversal ? (JSON.parse(row.reversal) as Reversal) : null,
    postback_ids: postbackIds,
  };
}

export function postbackToRow(entry: PostbackLogEntry): PostbackRow {
  return { ...entry, raw: JSON.stringify(entry.raw), params: entry.params ? JSON.stringify(entry.params) : null, test: entry.test ? 1 : 0 };
}

export function rowToPostback(row: PostbackRow): PostbackLogEntry {
  return {
    ...row,
    raw: JSON.parse(row.raw) as RawParams,
    params: row.params ? (JSON.parse(row.params) as PostbackParams) : null,
    outcome: row.outcome as Outcome,
    reason: row.reason as RejectReason | null,
    test: row.test === 1,
  };
}
