import { expect } from 'chai';
import request from 'supertest';
import { loadConfig } from '../../shared/config/config.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue } from '../../shared/queue/queues.js';
import { startHttpSink, type HttpSink, type SunkRequest } from '../helpers/http-sink.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { clickFor, seedCampaign, type Seeded } from '../helpers/seed.js';
import { queueSettled } from '../helpers/wait.js';

type Answer = { status: number; body?: string };

const GOOGLE_CREDENTIALS = {
  developer_token: 'dev-token-google-1',
  client_id: 'client.apps.googleusercontent.com',
  client_secret: 'google-client-secret-1',
  refresh_token: 'google-refresh-token-1',
};

/**
 * Google Ads, Microsoft Advertising and TikTok, each stood in for by a local HTTP server
 * that checks the request against the platform's public API reference: the OAuth
 * refresh-token exchange where there is one, the upload, and the retraction.
 */
describe('ad platforms: Google Ads, Microsoft Ads and TikTok driven by conversion types', () => {
  let pipeline: Pipeline;
  let sink: HttpSink;
  /** Answers queued per path prefix, taken first; otherwise the platform's plain success. */
  const planned = new Map<string, Answer[]>();
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };
  const SECRETS = [
    'dev-token-google-1',
    'google-client-secret-1',
    'google-refresh-token-1',
    'ms-refresh-token-22',
    'ms-dev-token-22',
    'tt-access-token-333',
  ];

  before(async () => {
    sink = await startHttpSink();
    sink.respond = (_n, req) => {
      const key = [...planned.keys()].find((prefix) => req.url.startsWith(prefix));
      const next = key ? planned.get(key)?.shift() : undefined;
      if (next) return next;
      if (req.url.endsWith('-token'))
        return { status: 200, body: JSON.stringify({ access_token: `AT${req.url.replace('-token', '')}`, expires_in: 3600 }) };
      if (req.url.startsWith('/ms/')) return { status: 200, body: '{"PartialErrors":[]}' };
      if (req.url.startsWith('/tiktok/')) return { status: 200, body: '{"code":0,"message":"OK"}' };
      return { status: 200, body: '{"results":[{}]}' };
    };
    const platforms = {
      ...loadConfig({}).outbound.platforms,
      googleAdsApiUrl: `${sink.base}/google`,
      googleAdsApiVersion: 'v22',
      googleOauthUrl: `${sink.base}/google-token`,
      microsoftAdsApiUrl: `${sink.base}/ms`,
      microsoftOauthUrl: `${sink.base}/ms-token`,
      tiktokApiUrl: `${sink.base}/tiktok`,
    };
    pipeline = await startPipeline({}, { outbound: { backoffMs: 40, attempts: 3, timeoutMs: 2000, platforms } });
    for (const name of ['Sale', 'Lead', 'Other'])
      await request(pipeline.report.app).put(`/api/conversion-types/${name}`).set(auth).send({}).expect(200);
  });
  after(async () => {
    await pipeline.close();
    await sink.close();
  });

  const api = () => request(pipeline.report.app);
  const settled = () => queueSettled(createQueue(QueueNames.OUTBOUND, pipeline.receiver.redis, pipeline.receiver.prefix));
  const since = (from: number, prefix: string): SunkRequest[] => sink.requests.slice(from).filter((r) => r.url.startsWith(prefix));
  /** A campaign on a channel made through the API (so its answer can be checked), and a click with the platform's click id. */
  const channelWith = async (body: object, clickid: string): Promise<{ seeded: Seeded; channel: Record<string, unknown> }> => {
    const created = await api().post('/api/traffic-channels').set(auth).send(body).expect(201);
    const seeded = await seedCampaign(pipeline.store);
    await api().patch(`/api/campaigns/${seeded.campaign.id}`).set(auth).send({ traffic_channel_id: created.body.id }).expect(200);
    await pipeline.store.insertClick(
      clickFor(seeded, { clickid, external_id: `${clickid}-platform-id`, traffic_channel_id: created.body.id }),
    );
    return { seeded, channel: created.body };
  };
  const postback = async (query: string) => {
    const res = await request(pipeline.receiver.app).get(`/postback?${query}`).expect(200);
    await pipeline.workers.completed(res.body.id);
    return (await api().get(`/api/postbacks/${res.body.id}`).set(auth).expect(200)).body as { conversion_id: string };
  };
  const deliveriesOf = async (conversionId: string) =>
    (await api().get(`/api/outbound?conversion_id=${conversionId}`).set(auth).expect(200)).body.items as Array<Record<string, unknown>>;
  const expectNoSecrets = (text: string) => {
    for (const secret of SECRETS) expect(text).not.to.contain(secret);
  };

  it('when a channel is set up for Google Ads, then incomplete settings are refused by field and the credentials are never answered', async () => {
    const incomplete = await api()
      .post('/api/traffic-channels')
      .set(auth)
      .send({ name: 'G', integration: 'google_ads', google_ads: { customer_id: 'abc-123' } })
      .expect(400);
    const fields = incomplete.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).to.include('google_ads.customer_id');
    const missing = await api()
      .post('/api/traffic-channels')
      .set(auth)
      .send({ name: 'G', integration: 'google_ads', google_ads: { customer_id: '1234567890' } })
      .expect(400);
    expect(missing.body.error.details.map((d: { field: string }) => d.field)).to.include.members([
      'google_ads.developer_token',
      'google_ads.refresh_token',
    ]);
    // A conversion action is an id or its resource name; a display name would fail at Google, so it fails here.
    const named = await api()
      .post('/api/traffic-channels')
      .set(auth)
      .send({ name: 'G', google_ads: { types: { Sale: 'Purchase', Lead: 'customers/1/conversionActions/2' }, main: '77' } })
      .expect(400);
    expect(named.body.error.details.map((d: { field: string }) => d.field)).to.deep.equal(['google_ads.types.Sale']);
    // Dashes as the Google Ads UI shows the id are fine: kept as digits.
    const dashed = await api()
      .post('/api/traffic-channels')
      .set(auth)
      .send({ name: 'G', google_ads: { customer_id: '123-456-7890', types: { Sale: '1' } } })
      .expect(201);
    expect(dashed.body.google_ads.customer_id).to.equal('1234567890');
  });

  it('when a mapped type converts on a Google Ads channel, then one click conversion goes by gclid to its conversion action, never a status, and a reversal retracts it', async () => {
    const { channel } = await channelWith(
      {
        name: 'Google',
        integration: 'google_ads',
        google_ads: {
          customer_id: '1234567890',
          login_customer_id: '5550001111',
          ...GOOGLE_CREDENTIALS,
          types: { Sale: '987654' },
        },
      },
      'g-1',
    );
    expect(channel.google_ads).to.deep.include({
      customer_id: '1234567890',
      refresh_token: '…en-1',
      developer_token: '…le-1',
      client_secret: '…et-1',
    });
    expectNoSecrets(JSON.stringify(channel));
    expectNoSecrets(
      JSON.stringify(
        (
          await api()
            .get(`/api/traffic-channels/${channel.id as string}`)
            .set(auth)
            .expect(200)
        ).body,
      ),
    );

    const from = sink.requests.length;
    const sale = await postback('clickid=g-1&type=Sale&sum=25.1&status=pending');
    const other = await postback('clickid=g-1&type=Other&sum=3');
    const main = await postback('clickid=g-1&sum=1');
    await settled();
    expect(await deliveriesOf(other.conversion_id)).to.deep.equal([]);
    expect(await deliveriesOf(main.conversion_id)).to.deep.equal([]);

    const [token, ...rest] = since(from, '/google');
    expect(token?.url).to.equal('/google-token');
    expect(Object.fromEntries(new URLSearchParams(token?.body))).to.deep.equal({
      client_id: 'client.apps.googleusercontent.com',
      client_secret: 'google-client-secret-1',
      refresh_token: 'google-refresh-token-1',
      grant_type: 'refresh_token',
    });
    expect(rest).to.have.length(1);
    const upload = rest[0] as SunkRequest;
    expect(upload.method).to.equal('POST');
    expect(upload.url).to.equal('/google/v22/customers/1234567890:uploadClickConversions');
    expect(upload.headers).to.include({
      authorization: 'Bearer AT/google',
      'developer-token': 'dev-token-google-1',
      'login-customer-id': '5550001111',
      'content-type': 'application/json',
    });
    const body = JSON.parse(upload.body);
    expect(body.partialFailure).to.equal(true);
    expect(body.conversions).to.have.length(1);
    expect(body.conversions[0].conversionDateTime).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$/);
    expect(body.conversions[0]).to.deep.include({
      gclid: 'g-1-platform-id',
      conversionAction: 'customers/1234567890/conversionActions/987654',
      conversionValue: 25.1,
      currencyCode: 'USD',
      orderId: sale.conversion_id,
    });
    expect(upload.body).not.to.contain('pending');

    await api().post(`/api/conversions/${sale.conversion_id}/reverse`).set(auth).send({ reason: 'refund' }).expect(200);
    await settled();
    const retraction = since(from, '/google/').slice(-1)[0] as SunkRequest;
    expect(retraction.url).to.equal('/google/v22/customers/1234567890:uploadConversionAdjustments');
    const adjustment = JSON.parse(retraction.body);
    expect(adjustment.partialFailure).to.equal(true);
    expect(adjustment.conversionAdjustments[0]).to.deep.include({
      conversionAction: 'customers/1234567890/conversionActions/987654',
      adjustmentType: 'RETRACTION',
      orderId: sale.conversion_id,
    });
    // One token exchange served both calls.
    expect(since(from, '/google-token')).to.have.length(1);
    const log = await deliveriesOf(sale.conversion_id);
    expect(log.map((d) => [d.kind, d.state])).to.have.deep.members([
      ['conversion', 'delivered'],
      ['reversal', 'delivered'],
    ]);
    expectNoSecrets(JSON.stringify(log));
    expectNoSecrets(JSON.stringify(pipeline.workers.logLines()));
  });

  it('when Google Ads refuses a row inside a 200, then the delivery fails for good, and a retry from the dashboard sends it once the cause is fixed', async () => {
    await channelWith(
      {
        name: 'Google 2',
        integration: 'google_ads',
        google_ads: {
          customer_id: '1234567890',
          ...GOOGLE_CREDENTIALS,
          types: { Sale: 'customers/1234567890/conversionActions/42' },
        },
      },
      'g-2',
    );
    planned.set('/google/', [
      { status: 503, body: 'busy' },
      { status: 200, body: '{"partialFailureError":{"code":3,"message":"The click is too old for this conversion action."}}' },
    ]);
    const sale = await postback('clickid=g-2&type=Sale&sum=5');
    await settled();
    const [failed] = await deliveriesOf(sale.conversion_id);
    expect(failed).to.deep.include({ state: 'failed', attempts: 2, http_status: 200 });
    expect(failed?.error).to.equal('Google Ads refused it: The click is too old for this conversion action.');

    const retried = await api()
      .post(`/api/outbound/${failed?.id as string}/retry`)
      .set(auth)
      .expect(202);
    expect(retried.body.retry).to.equal('retried');
    await settled();
    const [delivered] = await deliveriesOf(sale.conversion_id);
    expect(delivered).to.deep.include({ state: 'delivered', attempts: 3 });
  });

  it('when a Microsoft Ads channel maps the main conversion, then an offline conversion goes by msclkid under the goal name, and a reversal is a Retract adjustment', async () => {
    const { channel } = await channelWith(
      {
        name: 'Microsoft',
        integration: 'microsoft_ads',
        microsoft_ads: {
          customer_id: '111222',
          account_id: '333444',
          developer_token: 'ms-dev-token-22',
          client_id: 'ms-client-id',
          refresh_token: 'ms-refresh-token-22',
          main: 'Offline Purchase',
        },
      },
      'm-1',
    );
    expectNoSecrets(JSON.stringify(channel));
    const from = sink.requests.length;
    const sale = await postback('clickid=m-1&sum=7.5&status=approved');
    const lead = await postback('clickid=m-1&type=Lead&sum=1');
    await settled();
    expect(await deliveriesOf(lead.conversion_id)).to.deep.equal([]);
    const [token, upload] = since(from, '/ms') as [SunkRequest, SunkRequest];
    expect(Object.fromEntries(new URLSearchParams(token.body))).to.deep.include({
      client_id: 'ms-client-id',
      refresh_token: 'ms-refresh-token-22',
      grant_type: 'refresh_token',
      scope: 'https://ads.microsoft.com/msads.manage offline_access',
    });
    expect(upload.url).to.equal('/ms/CampaignManagement/v13/OfflineConversions/Apply');
    expect(upload.headers).to.include({
      authorization: 'Bearer AT/ms',
      developertoken: 'ms-dev-token-22',
      customerid: '111222',
      customeraccountid: '333444',
    });
    const body = JSON.parse(upload.body);
    expect(body.OfflineConversions).to.have.length(1);
    expect(body.OfflineConversions[0].ConversionTime).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.OfflineConversions[0]).to.deep.include({
      ConversionCurrencyCode: 'USD',
      ConversionName: 'Offline Purchase',
      ConversionValue: 7.5,
      MicrosoftClickId: 'm-1-platform-id',
    });
    expect(upload.body).not.to.contain('approved');

    await api().post(`/api/conversions/${sale.conversion_id}/reverse`).set(auth).send({ reason: 'chargeback' }).expect(200);
    await settled();
    const retract = since(from, '/ms/').slice(-1)[0] as SunkRequest;
    expect(retract.url).to.equal('/ms/CampaignManagement/v13/OfflineConversionAdjustments/Apply');
    expect(JSON.parse(retract.body).OfflineConversionAdjustments[0]).to.deep.include({
      AdjustmentType: 'Retract',
      ConversionName: 'Offline Purchase',
      ConversionTime: body.OfflineConversions[0].ConversionTime,
      MicrosoftClickId: 'm-1-platform-id',
    });
  });

  it('when a TikTok channel maps a type, then one web event goes by ttclid under TikTok’s name; a refusal in the body fails it; a reversal is logged as not sent', async () => {
    const { channel } = await channelWith(
      {
        name: 'TikTok',
        integration: 'tiktok',
        tiktok: { pixel_code: 'C4ABCDEF123', access_token: 'tt-access-token-333', types: { Lead: 'SubmitForm' } },
      },
      't-1',
    );
    expect(channel.tiktok).to.deep.include({ pixel_code: 'C4ABCDEF123', access_token: '…-333' });
    const from = sink.requests.length;
    const lead = await postback('clickid=t-1&type=Lead&sum=2&status=pending');
    await settled();
    const [event] = since(from, '/tiktok') as [SunkRequest];
    expect(event.url).to.equal('/tiktok/open_api/v1.3/event/track/');
    expect(event.headers).to.include({ 'access-token': 'tt-access-token-333', 'content-type': 'application/json' });
    const body = JSON.parse(event.body);
    expect(body).to.deep.include({ event_source: 'web', event_source_id: 'C4ABCDEF123' });
    expect(body.data).to.have.length(1);
    expect(body.data[0]).to.deep.include({ event: 'SubmitForm', event_id: lead.conversion_id, properties: { value: 2, currency: 'USD' } });
    expect(body.data[0].user).to.include({ ttclid: 't-1-platform-id' });
    expect(body.data[0].event_time).to.be.a('number');
    expect(event.body).not.to.contain('pending');

    await api().post(`/api/conversions/${lead.conversion_id}/reverse`).set(auth).expect(200);
    await settled();
    const reversal = (await deliveriesOf(lead.conversion_id)).find((d) => d.kind === 'reversal');
    expect(reversal).to.deep.include({ state: 'not_sent', error: 'the TikTok Events API has no way to take an event back' });

    planned.set('/tiktok/', [{ status: 200, body: '{"code":40001,"message":"Access token is invalid"}' }]);
    const second = await channelWith(
      {
        name: 'TikTok 2',
        integration: 'tiktok',
        tiktok: { pixel_code: 'C4ABCDEF123', access_token: 'tt-access-token-333', types: { Lead: 'SubmitForm' } },
      },
      't-3',
    );
    expect(second.channel.integration).to.equal('tiktok');
    const refused = await postback('clickid=t-3&type=Lead&sum=2');
    await settled();
    const [failed] = await deliveriesOf(refused.conversion_id);
    expect(failed).to.deep.include({ state: 'failed', attempts: 1, error: 'TikTok refused it: code 40001 Access token is invalid' });
  });
});
