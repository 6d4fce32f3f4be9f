import type { Campaign, Offer } from '../../shared/domain/entities.js';
import type { Store } from '../../shared/store/store.js';

export interface CampaignTarget {
  campaign: Campaign;
  offer: Offer;
}

export interface CampaignDirectory {
  /** The campaign and its offer, or null when either does not exist. */
  resolve(campaignId: string): Promise<CampaignTarget | null>;
}

/**
 * Campaign lookups for clicks, cached for `ttlMs` so a burst of clicks reads the
 * store once per campaign; a new campaign is found on its first click. The store's
 * settings version is read at most once every `checkMs`: when a setting changed (a
 * campaign's offer or cost parameter, an offer's URL), the cache starts over, so a
 * change reaches clicks within about a second rather than the whole TTL.
 */
export function createCampaignDirectory(store: Store, ttlMs = 10_000, checkMs = 1_000): CampaignDirectory {
  const cache = new Map<string, { target: CampaignTarget | null; until: number }>();
  let version: number | null = null;
  let checkedAt = 0;
  return {
    async resolve(campaignId) {
      const now = Date.now();
      if (now - checkedAt >= checkMs) {
        checkedAt = now;
        const current = await store.settingsVersion();
        if (current !== version) cache.clear();
        version = current;
      }
      const hit = cache.get(campaignId);
      if (hit && hit.until > now) return hit.target;
      const campaign = await store.campaigns.get(campaignId);
      const offer = campaign ? await store.offers.get(campaign.offer_id) : null;
      const target = campaign && offer ? { campaign, offer } : null;
      // Misses are kept briefly only, so a campaign created a moment ago is found soon.
      cache.set(campaignId, { target, until: now + (target ? ttlMs : Math.min(ttlMs, 1000)) });
      if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
      return target;
    },
  };
}
