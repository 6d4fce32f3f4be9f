import { expect } from 'chai';
import { auth, GOOGLE_CREDENTIALS, useAdPlatforms } from '../helpers/ad-platforms.js';
import type { SunkRequest } from '../helpers/http-sink.js';

/**
 * Google Ads, stood in for by a local HTTP server that checks the requests against its
 * public API reference: the OAuth refresh-token exchange, the click conversion upload
 * and the retraction.
 */
describe('Google Ads driven by conversion types: click conversions by gclid, retractions, refusals inside a 200', () => {
  const { ctx, api, settled, since, channelWith, postback, deliveriesOf, expectNoSecrets } = useAdPlatforms();

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

    const from = ctx.sink.requests.length;
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
    expectNoSecrets(JSON.stringify(ctx.pipeline.workers.logLines()));
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
    ctx.planned.set('/google/', [
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
});
