import type { ConversionType, Offer, OfferSource, TrafficChannel } from '../domain/entities.js';
import type { FxRates } from '../domain/fx.js';
import type { Store } from '../store/store.js';

/** Every setting a postback's rules read, as of one settings version. */
export interface Settings {
  version: number;
  types: ReadonlyMap<string, ConversionType>;
  sources: ReadonlyMap<string, OfferSource>;
  offers: ReadonlyMap<string, Offer>;
  channels: ReadonlyMap<string, TrafficChannel>;
  /** The rates file's, overridden by those set over the API. */
  rates: FxRates;
}

export interface SettingsCache {
  /** The settings, reloaded when the store's settings version moved since the last load. */
  current(): Promise<Settings>;
}

/**
 * Settings read once per change instead of once per postback. Any process that changes
 * a setting moves the store's settings version in the same write; the worker checks it
 * once per batch here, and again inside the batch's commit, which is refused when the
 * version moved meanwhile. So a removed type is never applied from a stale copy.
 */
export function createSettingsCache(store: Store, fileRates: FxRates): SettingsCache {
  let cached: Settings | null = null;
  let loading: Promise<Settings> | null = null;
  const load = async (version: number): Promise<Settings> => {
    const [types, sources, offers, channels, rates] = await Promise.all([
      store.conversionTypes.list(),
      store.offerSources.list(),
      store.offers.list(),
      store.trafficChannels.list(),
      store.fxRates.get('current'),
    ]);
    return {
      version,
      types: new Map(types.map((t) => [t.name, t])),
      sources: new Map(sources.map((s) => [s.id, s])),
      offers: new Map(offers.map((o) => [o.id, o])),
      channels: new Map(channels.map((c) => [c.id, c])),
      rates: { ...fileRates, ...rates?.rates },
    };
  };
  return {
    async current() {
      const version = await store.settingsVersion();
      if (cached && cached.version === version) return cached;
      loading ??= load(version).finally(() => {
        loading = null;
      });
      cached = await loading;
      return cached;
    },
  };
}
