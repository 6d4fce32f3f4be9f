import { expect } from 'chai';
import request from 'supertest';
import { loadConfig } from '../../shared/config/config.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue } from '../../shared/queue/queues.js';
import { queueSettled } from '../helpers/wait.js';
import { buildClick } from '../helpers/builders.js';
import { startHttpSink, type HttpSink } from '../helpers/http-sink.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { seedCampaign, type Seeded } from '../helpers/seed.js';

describe('Facebook Conversions API channels', () => {
  let pipeline: Pipeline;
  let sink: HttpSink;
  let seeded: Seeded;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };

  before(async () => {
    // The platform's base URL is configuration; a local server stands in for it.
    sink = await startHttpSink();
    pipeline = await startPipeline(
      {},
      {
        outbound: {
          backoffMs: 40,
          attempts: 3,
          timeoutMs: 2000,
          platforms: { ...loadConfig({}).outbound.platforms, facebookGraphUrl: sink.base },
        },
      },
    );
    seeded = await seedCampaign(pipeline.store, { source: { duplicate_mode: 'edit' } });
    await pipeline.store.conversionTypes.put('Purchase Plus', {
      name: 'Purchase Plus',
      duplicate_mode: null,
      journey: false,
      send_to_channel: true,
      created_at: 1,
    });
  });
  after(async () => {
    await pipeline.close();
    await sink.close();
  });

  it('when a conversion is recorded, then the platform gets one event named after its type, deduplicable by event id, with the fbclid, and never a status', async () => {
    const incomplete = await request(pipeline.report.app)
      .patch(`/api/traffic-channels/${seeded.channel.id}`)
      .set(auth)
      .send({ integration: 'facebook_capi' })
      .expect(400);
    expect(incomplete.body.error.details).to.deep.include({
      field: 'facebook',
      message: 'facebook: a facebook_capi channel needs facebook.pixel_id and facebook.access_token',
    });
    const patched = await request(pipeline.report.app)
      .patch(`/api/traffic-channels/${seeded.channel.id}`)
      .set(auth)
      .send({
        integration: 'facebook_capi',
        send_statuses: ['approved'],
        facebook: { pixel_id: '1234567890', access_token: 'EAAB-secret-token-9876' },
      })
      .expect(200);
    expect(patched.body.facebook).to.deep.include({ pixel_id: '1234567890', access_token: '…9876', main_event_name: 'Purchase' });

    const click = buildClick({
      clickid: 'fb-1',
      external_id: 'IwAR-fbclid-1',
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      campaign_id: seeded.campaign.id,
      offer_id: seeded.offer.id,
      offer_source_id: seeded.source.id,
      traffic_channel_id: seeded.channel.id,
    });
    await pipeline.store.insertClick(click);
    // Pending: a postback channel set to approved would not send it; an API integration gets types, not statuses.
    const sentFrom = Math.floor(Date.now() / 1000);
    const res = await request(pipeline.receiver.app)
      .get('/postback?clickid=fb-1&type=Purchase%20Plus&sum=19.99&status=pending')
      .expect(200);
    const sentBy = Math.ceil(Date.now() / 1000);
    await pipeline.workers.completed(res.body.id);
    await sink.waitFor(1);
    const [sent] = sink.requests as [(typeof sink.requests)[number]];
    expect(sent.method).to.equal('POST');
    expect(sent.url).to.equal('/v21.0/1234567890/events?access_token=EAAB-secret-token-9876');
    const body = JSON.parse(sent.body);
    expect(body.data).to.have.length(1);
    const { event_time: eventTime, ...event } = body.data[0];
    expect(eventTime).to.be.within(sentFrom, sentBy);
    expect(event).to.deep.equal({
      event_name: 'Purchase Plus',
      event_id: res.body.id,
      action_source: 'website',
      user_data: { fbc: `fb.1.${click.ts}.IwAR-fbclid-1`, client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0' },
      custom_data: { value: 19.99, currency: 'USD' },
    });
    expect(sent.body).not.to.contain('pending');

    // An edit to approved is a status change: not for an API integration.
    const edit = await request(pipeline.receiver.app).get('/postback?clickid=fb-1&type=Purchase%20Plus&status=approved').expect(200);
    await pipeline.workers.completed(edit.body.id);
    await queueSettled(createQueue(QueueNames.OUTBOUND, pipeline.receiver.redis, pipeline.receiver.prefix));
    expect(sink.requests).to.have.length(1);
    const log = await request(pipeline.report.app).get(`/api/outbound?conversion_id=${res.body.id}`).set(auth).expect(200);
    expect(log.body.items).to.have.length(1);
    expect(log.body.items[0]).to.deep.include({ state: 'delivered', http_status: 200 });
    expect(log.body.items[0].url).to.contain('access_token=redacted').and.not.to.contain('EAAB');
  });
});
