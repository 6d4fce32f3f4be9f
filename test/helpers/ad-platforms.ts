import { expect } from 'chai';
import request from 'supertest';
import { loadConfig } from '../../shared/config/config.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue } from '../../shared/queue/queues.js';
import { startHttpSink, type HttpSink, type SunkRequest } from './http-sink.js';
import { startPipeline, type Pipeline } from './pipeline.js';
import { TEST_API_KEY } from './report-harness.js';
import { clickFor, seedCampaign, type Seeded } from './seed.js';
import { queueSettled } from './wait.js';

type Answer = { status: number; body?: string };

export const GOOGLE_CREDENTIALS = {
  developer_token: 'dev-token-google-1',
  client_id: 'client.apps.googleusercontent.com',
  client_secret: 'google-client-secret-1',
  refresh_token: 'google-refresh-token-1',
};

/** Every credential the ad platform tests configure: none may show in an answer or a log. */
const SECRETS = [
  'dev-token-google-1',
  'google-client-secret-1',
  'google-refresh-token-1',
  'ms-refresh-token-22',
  'ms-dev-token-22',
  'tt-access-token-333',
];

export const auth = { Authorization: `Bearer ${TEST_API_KEY}` };

/** The pipeline and the stand-in platforms, set by the hooks `useAdPlatforms` registers. */
export interface AdPlatforms {
  pipeline: Pipeline;
  sink: HttpSink;
  /** Answers queued per path prefix, taken first; otherwise the platform's plain success. */
  planned: Map<string, Answer[]>;
}

/**
 * Google Ads, Microsoft Advertising and TikTok, each stood in for by one local HTTP
 * server that answers as the platform does (the OAuth refresh-token exchange, the
 * upload, the retraction), and a pipeline whose outbound worker calls it. Registers
 * the hooks in the calling `describe`, with conversion types Sale, Lead and Other.
 */
export function useAdPlatforms() {
  const ctx = { planned: new Map<string, Answer[]>() } as AdPlatforms;

  before(async () => {
    ctx.sink = await startHttpSink();
    ctx.sink.respond = (_n, req) => {
      const key = [...ctx.planned.keys()].find((prefix) => req.url.startsWith(prefix));
      const next = key ? ctx.planned.get(key)?.shift() : undefined;
      if (next) return next;
      if (req.url.endsWith('-token'))
        return { status: 200, body: JSON.stringify({ access_token: `AT${req.url.replace('-token', '')}`, expires_in: 3600 }) };
      if (req.url.startsWith('/ms/')) return { status: 200, body: '{"PartialErrors":[]}' };
      if (req.url.startsWith('/tiktok/')) return { status: 200, body: '{"code":0,"message":"OK"}' };
      return { status: 200, body: '{"results":[{}]}' };
    };
    const base = ctx.sink.base;
    const platforms = {
      ...loadConfig({}).outbound.platforms,
      googleAdsApiUrl: `${base}/google`,
      googleAdsApiVersion: 'v22',
      googleOauthUrl: `${base}/google-token`,
      microsoftAdsApiUrl: `${base}/ms`,
      microsoftOauthUrl: `${base}/ms-token`,
      tiktokApiUrl: `${base}/tiktok`,
    };
    ctx.pipeline = await startPipeline({}, { outbound: { backoffMs: 40, attempts: 3, timeoutMs: 2000, platforms } });
    for (const name of ['Sale', 'Lead', 'Other'])
      await request(ctx.pipeline.report.app).put(`/api/conversion-types/${name}`).set(auth).send({}).expect(200);
  });
  after(async () => {
    await ctx.pipeline.close();
    await ctx.sink.close();
  });

  const api = () => request(ctx.pipeline.report.app);
  return {
    ctx,
    api,
    settled: () => queueSettled(createQueue(QueueNames.OUTBOUND, ctx.pipeline.receiver.redis, ctx.pipeline.receiver.prefix)),
    since: (from: number, prefix: string): SunkRequest[] => ctx.sink.requests.slice(from).filter((r) => r.url.startsWith(prefix)),
    /** A campaign on a channel made through the API (so its answer can be checked), and a click with the platform's click id. */
    channelWith: async (body: object, clickid: string): Promise<{ seeded: Seeded; channel: Record<string, unknown> }> => {
      const created = await api().post('/api/traffic-channels').set(auth).send(body).expect(201);
      const seeded = await seedCampaign(ctx.pipeline.store);
      await api().patch(`/api/campaigns/${seeded.campaign.id}`).set(auth).send({ traffic_channel_id: created.body.id }).expect(200);
      await ctx.pipeline.store.insertClick(
        clickFor(seeded, { clickid, external_id: `${clickid}-platform-id`, traffic_channel_id: created.body.id }),
      );
      return { seeded, channel: created.body };
    },
    postback: async (query: string) => {
      const res = await request(ctx.pipeline.receiver.app).get(`/postback?${query}`).expect(200);
      await ctx.pipeline.workers.completed(res.body.id);
      return (await api().get(`/api/postbacks/${res.body.id}`).set(auth).expect(200)).body as { conversion_id: string };
    },
    deliveriesOf: async (conversionId: string) =>
      (await api().get(`/api/outbound?conversion_id=${conversionId}`).set(auth).expect(200)).body.items as Array<Record<string, unknown>>,
    expectNoSecrets: (text: string) => {
      for (const secret of SECRETS) expect(text).not.to.contain(secret);
    },
  };
}
