import { expect } from 'chai';
import { createRedisLock } from '../../shared/locking/redis-lock.js';
import { createRedis, type RedisClient } from '../../shared/queue/redis.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { uniquePrefix } from '../helpers/temp.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the Redis lock as a lease', () => {
  let redis: RedisClient;
  before(() => {
    redis = createRedis({ url: testRedisUrl(), cluster: null }, 'worker');
  });
  after(() => redis.disconnect());

  it('when the holder renews it, then it keeps the lock past its TTL and another who tries once is refused', async () => {
    const prefix = uniquePrefix();
    const lease = createRedisLock(redis, prefix, { ttlMs: 200, waitMs: 0, renewEveryMs: 50 });
    const other = createRedisLock(redis, prefix, { ttlMs: 200, waitMs: 0 });
    await lease('d1', async (held) => {
      await sleep(600);
      expect(await held()).to.equal(true);
      let refused: unknown = null;
      await other('d1', () => Promise.resolve()).catch((err: unknown) => (refused = err));
      expect(refused, 'a second holder').to.have.property('code', 'LOCK.BUSY');
    });
  });

  it('when the holder stops renewing (a frozen process), then the lock lapses, another takes it, and the first holder’s held() says so', async () => {
    const prefix = uniquePrefix();
    const frozen = createRedisLock(redis, prefix, { ttlMs: 150, waitMs: 0 });
    const other = createRedisLock(redis, prefix, { ttlMs: 5_000, waitMs: 0 });
    await frozen('d2', async (held) => {
      expect(await held()).to.equal(true);
      await sleep(300);
      await other('d2', async () => {
        expect(await held(), 'the first holder after its lease lapsed').to.equal(false);
        return Promise.resolve();
      });
    });
  });
});
