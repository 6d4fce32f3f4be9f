import type { Campaign, ConversionType, Offer, OfferSource, TrafficChannel } from '../../shared/domain/entities.js';
import { parseMoney } from '../../shared/domain/money.js';
import { CHANNEL_DEFAULTS } from '../../shared/domain/outbound.js';
import { AppError, type FieldProblem } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import type { Store } from '../../shared/store/store.js';
import { presentCampaign, presentConversionType, presentOffer, presentOfferSource, presentTrafficChannel } from './present.js';
import { notFound } from './http.js';
import { resourceRoutes } from './resource.route.js';
import type { ApiDeps } from './api-deps.js';
import { route, type ApiRoute } from './route-table.js';
import { settingsSchemas } from './settings.schema.js';
import { mergePlatforms, platformProblems } from './platform.schema.js';
import { validate } from './validate.js';

type Input<T> = Partial<Omit<T, 'id' | 'created_at'>>;

const missing = (field: string, noun: string, id: string): FieldProblem => ({ field, message: `${field}: no ${noun} with id ${id}` });

/** The settings API (specification §2): offer sources, offers, traffic channels, campaigns, conversion types. */
export function settingsRoutes({
  store,
  publicUrl,
  journeyTypeLimit,
}: Pick<ApiDeps, 'store' | 'publicUrl' | 'journeyTypeLimit'>): ApiRoute[] {
  const usedBy = async <T>(list: Promise<T[]>, match: (item: T) => boolean, noun: string): Promise<string | null> => {
    const count = (await list).filter(match).length;
    return count ? `${count} ${noun}${count > 1 ? 's' : ''}` : null;
  };

  return [
    ...resourceRoutes<OfferSource, Input<OfferSource>>({
      path: 'offer-sources',
      noun: 'offer source',
      article: 'an',
      repo: store.offerSources,
      schemas: settingsSchemas.offerSource,
      build: (input, base, existing) =>
        ({
          currency: null,
          default_status: 'approved',
          duplicate_mode: 'create_new',
          postback_token: null,
          ip_allowlist: [],
          test_mode: false,
          ...existing,
          ...input,
          ...base,
        }) as OfferSource,
      usedBy: (id) => usedBy(store.offers.list(), (o) => o.offer_source_id === id, 'offer'),
      present: (s) => presentOfferSource(s, publicUrl),
    }),
    ...resourceRoutes<Offer, Input<Offer> & { payout?: string }>({
      path: 'offers',
      noun: 'offer',
      article: 'an',
      repo: store.offers,
      schemas: settingsSchemas.offer,
      build: ({ payout, ...input }, base, existing) =>
        ({
          payout_micros: 0,
          ...existing,
          ...input,
          ...(payout === undefined ? {} : { payout_micros: parseMoney(payout) }),
          ...base,
        }) as Offer,
      checkReferences: async (o) =>
        (await store.offerSources.get(o.offer_source_id)) ? [] : [missing('offer_source_id', 'offer source', o.offer_source_id)],
      usedBy: (id) => usedBy(store.campaigns.list(), (c) => c.offer_id === id, 'campaign'),
      present: presentOffer,
    }),
    ...resourceRoutes<TrafficChannel, Input<TrafficChannel>>({
      path: 'traffic-channels',
      noun: 'traffic channel',
      article: 'a',
      repo: store.trafficChannels,
      schemas: settingsSchemas.trafficChannel,
      build: (input, base, existing) =>
        ({
          ...CHANNEL_DEFAULTS,
          ...existing,
          ...input,
          ...mergePlatforms(input, existing),
          ...base,
        }) as TrafficChannel,
      checkReferences: (t) =>
        Promise.resolve(
          t.integration === 'facebook_capi' && !t.facebook
            ? [{ field: 'facebook', message: 'facebook: a facebook_capi channel needs facebook.pixel_id and facebook.access_token' }]
            : platformProblems(t),
        ),
      usedBy: (id) => usedBy(store.campaigns.list(), (c) => c.traffic_channel_id === id, 'campaign'),
      present: presentTrafficChannel,
    }),
    ...resourceRoutes<Campaign, Input<Campaign>>({
      path: 'campaigns',
      noun: 'campaign',
      article: 'a',
      repo: store.campaigns,
      schemas: settingsSchemas.campaign,
      build: (input, base, existing) => ({ ...existing, ...input, ...base }) as Campaign,
      checkReferences: async (c) => {
        const [channel, offer] = await Promise.all([store.trafficChannels.get(c.traffic_channel_id), store.offers.get(c.offer_id)]);
        return [
          ...(channel ? [] : [missing('traffic_channel_id', 'traffic channel', c.traffic_channel_id)]),
          ...(offer ? [] : [missing('offer_id', 'offer', c.offer_id)]),
        ];
      },
      present: (c) => presentCampaign(c, publicUrl),
    }),
    ...conversionTypeRoutes(store, journeyTypeLimit),
  ];
}

/** `PUT /conversion-types/:name` creates or replaces; names are case-sensitive. */
function conversionTypeRoutes(store: Store, journeyTypeLimit: number): ApiRoute[] {
  const missingType = (name: string) => notFound(`no conversion type with id ${name}`);
  return [
    route({
      method: 'get',
      path: '/conversion-types',
      summary: 'List conversion types',
      auth: 'api-key',
      status: 200,
      handler: async () => ({ items: (await store.conversionTypes.list()).map(presentConversionType) }),
    }),
    route({
      method: 'get',
      path: '/conversion-types/:name',
      summary: 'Get one conversion type (case-sensitive name)',
      auth: 'api-key',
      status: 200,
      handler: async ({ params }) => {
        const type = await store.conversionTypes.get(params.name ?? '');
        if (!type) throw missingType(params.name ?? '');
        return presentConversionType(type);
      },
    }),
    route<Record<string, never>, Input<ConversionType>>({
      method: 'put',
      path: '/conversion-types/:name',
      summary: 'Create or replace a conversion type',
      auth: 'api-key',
      status: 200,
      body: settingsSchemas.conversionType,
      handler: async ({ params, body: input }) => {
        const name = validate<string>(settingsSchemas.conversionTypeName, params.name);
        const existing = await store.conversionTypes.get(name);
        const type: ConversionType = {
          name,
          duplicate_mode: input.duplicate_mode ?? null,
          journey: input.journey ?? false,
          send_to_channel: input.send_to_channel ?? false,
          counts_in_conversions: input.counts_in_conversions ?? true,
          counts_in_revenue: input.counts_in_revenue ?? true,
          created_at: existing?.created_at ?? Date.now(),
        };
        if (type.journey && !existing?.journey) {
          const journeyTypes = (await store.conversionTypes.list()).filter((t) => t.journey && t.name !== name);
          if (journeyTypes.length >= journeyTypeLimit) {
            throw new AppError(
              ErrorCodes.JOURNEY_LIMIT,
              `at most ${journeyTypeLimit} conversion types may count in the customer journey (now: ${journeyTypes.map((t) => t.name).join(', ')}); turn one off or raise JOURNEY_TYPE_LIMIT`,
              { httpStatus: 409 },
            );
          }
        }
        await store.conversionTypes.put(name, type);
        return presentConversionType(type);
      },
    }),
    route({
      method: 'delete',
      path: '/conversion-types/:name',
      summary: 'Delete a conversion type',
      auth: 'api-key',
      status: 204,
      handler: async ({ params }) => {
        if (!(await store.conversionTypes.delete(params.name ?? ''))) throw missingType(params.name ?? '');
        return undefined;
      },
    }),
  ];
}
