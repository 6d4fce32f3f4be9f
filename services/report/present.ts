import type { Campaign, Conversion, ConversionType, Offer, OfferSource, PostbackLogEntry, TrafficChannel } from '../../shared/domain/entities.js';
import { moneyToNumber } from '../../shared/domain/money.js';

/** How records look in API answers: ISO times, money as exact decimal numbers. */
const iso = (ms: number): string => new Date(ms).toISOString();

export const presentOfferSource = (s: OfferSource, publicUrl: string) => {
  const token = s.postback_token ? `&token=${encodeURIComponent(s.postback_token)}` : '';
  return { ...s, created_at: iso(s.created_at), postback_url: `${publicUrl}/postback?clickid={clickid}&sum={sum}${token}` };
};

export const presentOffer = ({ payout_micros, ...o }: Offer) => ({ ...o, payout: moneyToNumber(payout_micros), created_at: iso(o.created_at) });

/** The access token is a secret: only its last four characters are shown. */
export const presentTrafficChannel = (t: TrafficChannel) => ({
  ...t,
  facebook: t.facebook ? { ...t.facebook, access_token: `…${t.facebook.access_token.slice(-4)}` } : null,
  created_at: iso(t.created_at),
});

export const presentCampaign = (c: Campaign, publicUrl: string) => ({ ...c, created_at: iso(c.created_at), click_url: `${publicUrl}/click/${c.id}` });

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
