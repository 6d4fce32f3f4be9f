import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { startReceiver, type ReceiverHarness } from '../helpers/receiver-harness.js';
import { queuedPostback } from '../helpers/queued-postback.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

describe('receiver backpressure: MAX_BACKLOG and in-flight writes', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let receiver: ReceiverHarness | null = null;

  beforeEach(() => {
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
  });
  afterEach(async () => {
    await receiver?.close();
    await store.close();
    dir.remove();
  });
  const shedCount = async (app: ReceiverHarness['app'], reason: string): Promise<number> => {
    const text = (await request(app).get('/metrics').expect(200)).text;
    return Number(new RegExp(`convtrack_postbacks_shed_total\\{reason="${reason}",service="receiver"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  };

  it('when the queue holds MAX_BACKLOG jobs, then further postbacks get a fast 503 with Retry-After, counted, and every 200 was queued', async () => {
    receiver = await startReceiver(testRedisUrl(), store, { limits: { maxBacklog: 3, maxInFlight: 1000 } });
    const { app } = receiver;
    const accepted: string[] = [];
    for (let i = 0; i < 3; i++) accepted.push((await request(receiver.app).get(`/postback?clickid=c${i}&sum=1`).expect(200)).body.id);
    // The backlog is read twice a second: wait until the receiver has seen it.
    let refused: request.Response | null = null;
    await waitFor('a postback refused for the backlog', async () => {
      const res = await request(app).get('/postback?clickid=late&sum=1');
      if (res.status === 200) accepted.push(res.body.id);
      else refused = res;
      return res.status === 503;
    });
    const answer = refused as unknown as request.Response;
    expect(answer.headers['retry-after']).to.equal('5');
    expect(answer.body.error.code).to.equal('QUEUE.OVERLOADED');
    expect(answer.body).not.to.have.property('id');
    expect(await shedCount(app, 'backlog')).to.be.at.least(1);
    for (const id of accepted) expect((await queuedPostback(receiver.postbacks, id)).params?.payout).to.equal('1');
    expect(await receiver.postbacks.getWaitingCount()).to.equal(accepted.length);
  });

  it('when more postbacks are being written than RECEIVER_MAX_IN_FLIGHT, then the extra ones get a 503 and the rest are queued', async () => {
    receiver = await startReceiver(testRedisUrl(), store, { limits: { maxBacklog: 1_000_000, maxInFlight: 2 } });
    const app = receiver.app;
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => request(app).get(`/postback?clickid=f${i}&sum=2`)));
    const codes = answers.map((a) => a.status);
    expect(codes.filter((c) => c !== 200 && c !== 503)).to.deep.equal([]);
    expect(codes).to.include(503);
    expect(codes).to.include(200);
    expect(await shedCount(app, 'in_flight')).to.equal(codes.filter((c) => c === 503).length);
    for (const a of answers.filter((x) => x.status === 200))
      expect((await queuedPostback(receiver.postbacks, a.body.id)).params?.payout).to.equal('2');
  });
});
