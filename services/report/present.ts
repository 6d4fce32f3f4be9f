import type {
  Campaign,
  Conversion,
  ConversionType,
  Offer,
  OfferSource,
  PostbackLogEntry,
  TrafficChannel,
} from '../../shared/domain/entities.js';
import type { CostRecord } from '../../shared/domain/costs.js';
import { moneyToNumber } from '../../shared/domain/money.js';
import type { Delivery } from '../../shared/domain/outbound.js';
import { iso, isoOrNull } from './http.js';

/* How records look in API answers, one presenter per resource: ISO times, money as exact decimal numbers, secrets masked. */

/** The last four characters of a secret, so an operator can tell which one is set. */
export const maskSecret = (secret: string): string => `…${secret.slice(-4)}`;

/**
 * The postback token is write-only (specification §10): answers show its last four characters,
 * and `postback_url` has `token=<postback_token>` for the operator to fill in with the
 * token they set.
 */
export const presentOfferSource = (s: OfferSource, publicUrl: string) => {
  const token = s.postback_token ? '&token=<postback_token>' : '';
  return {
    ...s,
    postback_token: s.postback_token ? maskSecret(s.postback_token) : null,
    created_at: iso(s.created_at),
    postback_url: `${publicUrl}/postback?clickid={clickid}&sum={sum}${token}`,
  };
};

export const presentOffer = ({ payout_micros, ...o }: Offer) => ({
  ...o,
  payout: moneyToNumber(payout_micros),
  created_at: iso(o.created_at),
});

/** Channel credentials are write-only: only their last four characters are shown. */
export const presentTrafficChannel = (t: TrafficChannel) => ({
  ...t,
  facebook: t.facebook ? { ...t.facebook, access_token: maskSecret(t.facebook.access_token) } : null,
  google_ads: t.google_ads ? masked(t.google_ads, ['developer_token', 'client_secret', 'refresh_token']) : null,
  microsoft_ads: t.microsoft_ads ? masked(t.microsoft_ads, ['developer_token', 'client_secret', 'refresh_token']) : null,
  tiktok: t.tiktok ? masked(t.tiktok, ['access_token']) : null,
  created_at: iso(t.created_at),
});

/** A settings object with its secret fields masked (absent or null ones stay so). */
function masked<T extends object>(settings: T, secrets: Array<keyof T & string>): T {
  const copy = { ...settings } as Record<string, unknown>;
  for (const key of secrets) if (typeof copy[key] === 'string') copy[key] = maskSecret(copy[key]);
  return copy as T;
}

export const presentCampaign = (c: Campaign, publicUrl: string) => ({
  ...c,
  cost_param: c.cost_param ?? null,
  cost_currency: c.cost_currency ?? null,
  created_at: iso(c.created_at),
  click_url: `${publicUrl}/click/${c.id}`,
});

export const presentConversionType = (t: ConversionType) => ({
  ...t,
  counts_in_conversions: t.counts_in_conversions ?? true,
  counts_in_revenue: t.counts_in_revenue ?? true,
  created_at: iso(t.created_at),
});

export const presentConversion = ({ payout_micros, original_payout_micros, click, reversal, ...c }: Conversion) => ({
  ...c,
  reversal: reversal ? { ...reversal, reversed_at: iso(reversal.reversed_at) } : null,
  payout: moneyToNumber(payout_micros),
  original_payout: moneyToNumber(original_payout_micros),
  created_at: iso(c.created_at),
  updated_at: iso(c.updated_at),
  campaign_id: click.campaign_id,
  offer_id: click.offer_id,
  offer_source_id: click.offer_source_id,
  traffic_channel_id: click.traffic_channel_id,
  click_subs: click.subs,
  click_traits: click.traits ?? {},
});

export const presentPostback = ({ params, ...p }: PostbackLogEntry) => {
  // The token's hash stays inside: it is not the caller's business.
  const shown = params ? (({ token_hash: _hash, ...rest }) => rest)(params) : null;
  return { ...p, params: shown, received_at: iso(p.received_at), processed_at: iso(p.processed_at) };
};

const clicksText = (n: number): string => `${n} click${n === 1 ? '' : 's'}`;

/** A cost record as the API shows it: amounts as numbers, times as ISO, what happened in words. */
export function presentCost(record: CostRecord) {
  const { request } = record;
  const base = {
    id: record.id,
    kind: request.kind,
    campaign_id: request.campaign_id,
    state: record.state,
    requested_at: iso(record.requested_at),
    processed_at: iso(record.processed_at),
  };
  if (request.kind === 'undo') {
    return {
      ...base,
      undoes: record.undoes,
      clicks: record.clicks,
      message: record.undoes
        ? `undid cost update ${record.undoes}; ${clicksText(record.clicks)} restored`
        : 'no applied cost update to undo for this campaign',
    };
  }
  const { cost } = request;
  const filter = request.filter ? { [request.filter.sub]: request.filter.value } : {};
  const where = `${request.range_given.from} – ${request.range_given.to} (${request.tz})${request.filter ? ` where ${request.filter.sub} = ${request.filter.value}` : ''}`;
  const message =
    record.state === 'no_clicks'
      ? `no clicks of campaign ${request.campaign_id} in ${where}: nothing to spread the cost over, nothing recorded`
      : `${moneyToNumber(cost.micros)} spread over ${clicksText(record.clicks)} in ${where}${record.state === 'undone' ? `; undone by ${record.undone_by}` : ''}`;
  return {
    ...base,
    from: iso(request.from),
    to: iso(request.to),
    tz: request.tz,
    range: request.range_given,
    ...filter,
    cost: moneyToNumber(cost.micros),
    original_cost: moneyToNumber(cost.original_micros),
    original_currency: cost.original_currency,
    fx_rate: cost.rate,
    clicks: record.clicks,
    undone_by: record.undone_by,
    message,
  };
}

export const presentDelivery = ({ event: { payout_micros, reversed_at, ...event }, ...d }: Delivery) => ({
  ...d,
  kind: d.kind ?? 'conversion',
  created_at: iso(d.created_at),
  updated_at: iso(d.updated_at),
  delivered_at: isoOrNull(d.delivered_at),
  event: {
    ...event,
    payout: moneyToNumber(payout_micros),
    created_at: iso(event.created_at),
    click_ts: iso(event.click_ts),
    ...(reversed_at === undefined ? {} : { reversed_at: iso(reversed_at) }),
  },
});
