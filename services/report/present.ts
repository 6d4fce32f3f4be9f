import type {
  Campaign,
  Conversion,
  ConversionType,
  Offer,
  OfferSource,
  PostbackLogEntry,
  TrafficChannel,
} from '../../shared/domain/entities.js';
import { moneyToNumber } from '../../shared/domain/money.js';

/** How records look in API answers: ISO times, money as exact decimal numbers. */
const iso = (ms: number): string => new Date(ms).toISOString();

/** The last four characters of a secret, so an operator can tell which one is set. */
export const maskSecret = (secret: string): string => `…${secret.slice(-4)}`;

/**
 * The postback token is write-only (SPEC §10): answers show its last four characters,
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

/** The access token is a secret: only its last four characters are shown. */
export const presentTrafficChannel = (t: TrafficChannel) => ({
  ...t,
  facebook: t.facebook ? { ...t.facebook, access_token: maskSecret(t.facebook.access_token) } : null,
  created_at: iso(t.created_at),
});

export const presentCampaign = (c: Campaign, publicUrl: string) => ({
  ...c,
  created_at: iso(c.created_at),
  click_url: `${publicUrl}/click/${c.id}`,
});

export const presentConversionType = (t: ConversionType) => ({ ...t, created_at: iso(t.created_at) });

export const presentConversion = ({ payout_micros, original_payout_micros, click, ...c }: Conversion) => ({
  ...c,
  payout: moneyToNumber(payout_micros),
  original_payout: moneyToNumber(original_payout_micros),
  created_at: iso(c.created_at),
  updated_at: iso(c.updated_at),
  campaign_id: click.campaign_id,
  offer_id: click.offer_id,
  offer_source_id: click.offer_source_id,
  traffic_channel_id: click.traffic_channel_id,
  click_subs: click.subs,
});

export const presentPostback = ({ params, ...p }: PostbackLogEntry) => {
  // The token's hash stays inside: it is not the caller's business.
  const shown = params ? (({ token_hash: _hash, ...rest }) => rest)(params) : null;
  return { ...p, params: shown, received_at: iso(p.received_at), processed_at: iso(p.processed_at) };
};
