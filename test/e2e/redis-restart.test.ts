import { expect } from 'chai';
import request from 'supertest';
import { queuedPostback } from '../helpers/queued-postback.js';
import { receiverOnOwnRedis } from '../helpers/receiver-harness.js';
import { waitFor } from '../helpers/wait.js';

describe('acknowledged postbacks across a Redis crash (AOF, fsync always)', function () {
  this.timeout(60_000);
  const state = receiverOnOwnRedis(['--appendonly', 'yes', '--appendfsync', 'always']);

  it('when Redis is SIGKILLed right after a burst was acknowledged and started again, then every acknowledged postback is still queued', async () => {
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => request(state.receiver.app).get(`/postback?clickid=c${i}&sum=${i}.5`)),
    );
    const acked = answers.filter((a) => a.status === 200).map((a) => ({ id: a.body.id as string }));
    expect(acked).to.have.length(300);
    await state.redis.stop();
    // While Redis is down, a postback is refused with 503, never acknowledged.
    const down = await request(state.receiver.app).get('/postback?clickid=down&sum=1');
    expect(down.status).to.equal(503);
    await state.redis.start();
    await waitFor(
      'the receiver to reach Redis again',
      async () => (await request(state.receiver.app).get('/readyz')).status === 200,
      20_000,
    );
    const missing: string[] = [];
    for (const { id } of acked) {
      try {
        await queuedPostback(state.receiver.postbacks, id);
      } catch {
        missing.push(id);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});
