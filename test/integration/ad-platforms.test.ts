import { expect } from 'chai';
import { auth, useAdPlatforms } from '../helpers/ad-platforms.js';
import type { SunkRequest } from '../helpers/http-sink.js';

/**
 * Microsoft Advertising and TikTok, each stood in for by a local HTTP server that
 * checks the requests against the platform's public API reference (Google Ads is in
 * google-ads.test.ts).
 */
describe('ad platforms: Microsoft Ads and TikTok driven by conversion types', () => {
  const { ctx, api, settled, since, channelWith, postback, deliveriesOf, expectNoSecrets } = useAdPlatforms();

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
    const from = ctx.sink.requests.length;
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
    const from = ctx.sink.requests.length;
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

    ctx.planned.set('/tiktok/', [{ status: 200, body: '{"code":40001,"message":"Access token is invalid"}' }]);
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
