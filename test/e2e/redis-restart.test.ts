import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { queuedPostback } from '../helpers/queued-postback.js';
import { startReceiver, type ReceiverHarness } from '../helpers/receiver-harness.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

describe('acknowledged postbacks across a Redis crash (AOF, fsync always)', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let receiver: ReceiverHarness;

  before(async () => {
    redis = await startTestRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
    receiver = await startReceiver(redis.url, store);
  });
  after(async () => {
    await receiver.close();
    await store.close();
    await redis.destroy();
    dir.remove();
  });

  it('when Redis is SIGKILLed right after a burst was acknowledged and started again, then every acknowledged postback is still queued', async () => {
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => request(receiver.app).get(`/postback?clickid=c${i}&sum=${i}.5`)),
    );
    const acked = answers.filter((a) => a.status === 200).map((a) => ({ id: a.body.id as string }));
    expect(acked).to.have.length(300);
    await redis.stop();
    // While Redis is down, a postback is refused with 503, never acknowledged.
    const down = await request(receiver.app).get('/postback?clickid=down&sum=1');
    expect(down.status).to.equal(503);
    await redis.start();
    await waitFor('the receiver to reach Redis again', async () => (await request(receiver.app).get('/readyz')).status === 200, 20_000);
    const missing: string[] = [];
    for (const { id } of acked) {
      try {
        await queuedPostback(receiver.postbacks, id);
      } catch {
        missing.push(id);
      }
    }
    expect(missing).to.deep.equal([]);
  });
});
