import type { Campaign, Click, Offer, OfferSource, TrafficChannel } from '../../shared/domain/entities.js';
import { newId } from '../../shared/domain/ids.js';
import { CHANNEL_DEFAULTS } from '../../shared/domain/outbound.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick } from './builders.js';

export interface Seeded {
  source: OfferSource;
  offer: Offer;
  channel: TrafficChannel;
  campaign: Campaign;
}

/** One offer source → offer → campaign ← traffic channel chain, written to the store. */
export async function seedCampaign(
  store: Store,
  overrides: { source?: Partial<OfferSource>; offer?: Partial<Offer>; channel?: Partial<TrafficChannel> } = {},
): Promise<Seeded> {
  const now = Date.now();
  const source: OfferSource = {
    id: newId(),
    name: 'Network',
    currency: null,
    default_status: 'approved',
    duplicate_mode: 'create_new',
    postback_token: null,
    ip_allowlist: [],
    test_mode: false,
    created_at: now,
    ...overrides.source,
  };
  const offer: Offer = {
    id: newId(),
    name: 'Offer',
    url: 'https://offer.example/lp?cid={clickid}&s1={sub1}',
    offer_source_id: source.id,
    payout_micros: 2_500_000,
    created_at: now,
    ...overrides.offer,
  };
  const channel: TrafficChannel = { ...buildChannel(), ...overrides.channel };
  const campaign: Campaign = { id: newId(), name: 'Campaign', traffic_channel_id: channel.id, offer_id: offer.id, created_at: now };
  await store.offerSources.put(source.id, source);
  await store.offers.put(offer.id, offer);
  await store.trafficChannels.put(channel.id, channel);
  await store.campaigns.put(campaign.id, campaign);
  return { source, offer, channel, campaign };
}

/** A traffic channel with the defaults the API gives one. */
export function buildChannel(overrides: Partial<TrafficChannel> = {}): TrafficChannel {
  return { ...CHANNEL_DEFAULTS, id: newId(), name: 'Channel', created_at: Date.now(), ...overrides };
}

/** A click of the seeded campaign (its offer, source and channel); `buildClick`'s defaults for the rest. */
export function clickFor(seeded: Seeded, overrides: Partial<Click> = {}): Click {
  return buildClick({
    campaign_id: seeded.campaign.id,
    offer_id: seeded.offer.id,
    offer_source_id: seeded.source.id,
    traffic_channel_id: seeded.channel.id,
    ...overrides,
  });
}
