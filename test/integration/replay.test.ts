import { expect } from 'chai';
import request from 'supertest';
import type { Store } from '../../shared/store/store.js';
import { startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { queueSettled } from '../helpers/wait.js';
import type { ReceiverHarness } from '../helpers/receiver-harness.js';
import { TEST_API_KEY } from '../helpers/report-harness.js';
import { clickFor, seedCampaign, type Seeded } from '../helpers/seed.js';
import type { WorkerHarness } from '../helpers/worker-harness.js';

describe('replaying rejected postbacks', () => {
  let pipeline: Pipeline;
  let store: Store;
  let receiver: ReceiverHarness;
  let workers: WorkerHarness;
  let report: Pipeline['report'];
  let seeded: Seeded;
  const auth = { Authorization: `Bearer ${TEST_API_KEY}` };

  const storeClick = async (clickid: string) => store.insertClick(clickFor(seeded, { clickid, ts: Date.now() }));
  const postback = async (query: string): Promise<string> => {
    const res = await request(receiver.app).get(`/postback?${query}`).expect(200);
    await workers.completed(res.body.id);
    return res.body.id as string;
  };
  const settled = async (id: string, outcome: string) => {
    const until = Date.now() + 10_000;
    while ((await store.getPostback(id))?.outcome !== outcome) {
      if (Date.now() > until) throw new Error(`postback ${id} never became ${outcome}: ${JSON.stringify(await store.getPostback(id))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const conversionsOf = async (clickid: string) => (await store.listConversions({ clickid }, { limit: 100, cursor: null })).items;

  beforeEach(async () => {
    pipeline = await startPipeline({ unknownClickidWindowMs: 300 });
    ({ store, receiver, workers, report } = pipeline);
    seeded = await seedCampaign(store);
  });
  afterEach(async () => pipeline.close());

  it('when a postback was rejected for an unknown type and the type is then added, then its replay records it', async () => {
    await storeClick('c-type');
    const id = await postback('clickid=c-type&type=Deposit&sum=5');
    expect((await store.getPostback(id))?.reason).to.equal('unknown_type');
    const listed = await request(report.app).get('/api/postbacks?outcome=rejected&reason=unknown_type').set(auth).expect(200);
    expect(listed.body.items.map((p: { id: string }) => p.id)).to.deep.equal([id]);

    await store.conversionTypes.put('Deposit', {
      name: 'Deposit',
      duplicate_mode: null,
      journey: false,
      send_to_channel: false,
      created_at: 1,
    });
    await request(report.app).post(`/api/postbacks/${id}/replay`).set(auth).expect(202);
    await settled(id, 'recorded');
    const [conversion] = await conversionsOf('c-type');
    expect(conversion).to.deep.include({ id, type: 'Deposit', payout_micros: 5_000_000 });
  });

  it('when a postback was applied, then replaying it is refused and changes nothing', async () => {
    await storeClick('c-applied');
    const id = await postback('clickid=c-applied&sum=1');
    const res = await request(report.app).post(`/api/postbacks/${id}/replay`).set(auth).expect(409);
    expect(res.body.error.message).to.contain('would change nothing');
    expect(await conversionsOf('c-applied')).to.have.length(1);
  });

  it('when postbacks were rejected for clicks that came later, then a bulk replay by reason records each once, even if sent twice', async () => {
    const ids = [await postback('clickid=c-late-1&sum=1'), await postback('clickid=c-late-2&sum=2')];
    for (const id of ids) expect((await store.getPostback(id))?.reason).to.equal('unknown_clickid');
    await storeClick('c-late-1');
    await storeClick('c-late-2');
    const [first, second] = await Promise.all([
      request(report.app).post('/api/postbacks/replay').set(auth).send({ reason: 'unknown_clickid' }),
      request(report.app).post('/api/postbacks/replay').set(auth).send({ reason: 'unknown_clickid' }),
    ]);
    expect([first.status, second.status]).to.deep.equal([202, 202]);
    expect(Number(first.body.queued) + Number(second.body.queued)).to.be.at.least(2);
    for (const id of ids) await settled(id, 'recorded');
    // Every replay job, the second request's included, has run.
    await queueSettled(receiver.postbacks);
    expect(await conversionsOf('c-late-1')).to.have.length(1);
    expect(await conversionsOf('c-late-2')).to.have.length(1);
  });

  it('when a malformed postback or an unknown id is replayed, then the answer says why not', async () => {
    const res = await request(receiver.app).get('/postback?clickid=x&sum=abc').expect(400);
    await workers.completed(res.body.id);
    await request(report.app).post(`/api/postbacks/${res.body.id}/replay`).set(auth).expect(409);
    await request(report.app).post('/api/postbacks/nope/replay').set(auth).expect(404);
    const bad = await request(report.app).post('/api/postbacks/replay').set(auth).send({ reason: 'invalid_params' }).expect(400);
    expect(bad.body.error.details[0].field).to.equal('reason');
  });
});
