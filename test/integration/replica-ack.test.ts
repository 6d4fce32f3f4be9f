import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Worker } from 'bullmq';
import request from 'supertest';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { startReceiver, type ReceiverHarness } from '../helpers/receiver-harness.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

const appliedNo = 'no: the job was withdrawn or never queued; send the postback again';
const appliedMaybe = 'maybe: the job could not be withdrawn (a worker had it, or Redis did not answer in time)';

describe('REDIS_MIN_REPLICAS_ACK on one Redis with a replica: 200 only once the replica has the job', function () {
  this.timeout(30_000);
  let master: TestRedis;
  let replica: TestRedis;
  let replicaClient: Redis;
  let masterClient: Redis;
  let store: Store;
  let receiver: ReceiverHarness;

  const linkUp = async (): Promise<boolean> => (await replicaClient.info('replication')).includes('master_link_status:up');

  before(async () => {
    master = await startTestRedis();
    replica = await startTestRedis(['--replicaof', '127.0.0.1', String(master.port)]);
    replicaClient = new Redis(replica.url, { maxRetriesPerRequest: 1 });
    replicaClient.on('error', () => undefined);
    masterClient = new Redis(master.url);
    await waitFor('the replica in sync', linkUp, 10_000);
    store = createSqliteStore(':memory:');
    receiver = await startReceiver(master.url, store, { replicaAck: { replicas: 1, timeoutMs: 300 } });
  });
  after(async () => {
    await receiver.close();
    replicaClient.disconnect();
    masterClient.disconnect();
    await store.close();
    await replica.destroy();
    await master.destroy();
  });

  it('when a postback is acknowledged, then its job is already on the replica', async () => {
    const res = await request(receiver.app).get('/postback?clickid=c-1&sum=1').expect(200);
    const key = `${receiver.prefix}:postbacks:${String(res.body.id)}`;
    expect(await replicaClient.exists(key), key).to.equal(1);
  });

  it('when many postbacks arrive at once, then they share WAITs and one connection instead of one each, and all are acknowledged', async () => {
    const before = await waitCalls(masterClient);
    const clientsBefore = await connectedClients(masterClient);
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => request(receiver.app).get(`/postback?clickid=c-${i}&sum=1`)));
    expect(answers.map((a) => a.status)).to.deep.equal(answers.map(() => 200));
    expect((await waitCalls(masterClient)) - before).to.be.below(50);
    expect(await connectedClients(masterClient), 'connections to the master').to.equal(clientsBefore);
  });

  it('when the replica does not confirm in time, then the job is withdrawn before the 503, which says it is not applied', async () => {
    const waitingBefore = await receiver.postbacks.getJobCounts('waiting', 'delayed', 'prioritized');
    replica.freeze();
    try {
      const refused = await request(receiver.app).get('/postback?clickid=c-frozen&sum=1');
      expect(refused.status).to.equal(503);
      expect(refused.body.error.details).to.deep.include({ field: 'applied', message: appliedNo });
      const line = receiver.logLines().find((l) => l.message === 'postback not queued' && l.applied === 'no');
      expect(line, 'the refusal logged as not applied').to.not.equal(undefined);
      // Nothing left for a worker to take, nor the job itself.
      expect(await masterClient.exists(`${receiver.prefix}:postbacks:${String(line?.postbackId)}`)).to.equal(0);
      expect(await receiver.postbacks.getJobCounts('waiting', 'delayed', 'prioritized')).to.deep.equal(waitingBefore);
    } finally {
      replica.thaw();
    }
    await waitFor('the replica in sync again', linkUp, 10_000);
  });

  it('when workers are running while the replica cannot confirm, then none of them applies the refused postback: it is held until confirmed, and withdrawn', async () => {
    const connection = new Redis(master.url, { maxRetriesPerRequest: null });
    const taken: string[] = [];
    const worker = new Worker(
      'postbacks',
      (job) => {
        taken.push(String(job.id));
        return Promise.resolve();
      },
      { connection, prefix: receiver.prefix },
    );
    await worker.waitUntilReady();
    try {
      // A confirmed one is released to the workers at once.
      const accepted = await request(receiver.app).get('/postback?clickid=c-ok&sum=1').expect(200);
      await waitFor('the worker took the confirmed postback', () => taken.includes(String(accepted.body.id)));
      replica.freeze();
      const refused = await request(receiver.app).get('/postback?clickid=c-held&sum=1');
      expect(refused.status).to.equal(503);
      expect(refused.body.error.details).to.deep.include({ field: 'applied', message: appliedNo });
      const line = receiver.logLines().find((l) => l.message === 'postback not queued' && l.requestId === refused.headers['x-request-id']);
      expect(line?.applied).to.equal('no');
      // Whatever the worker would have taken, it has had time to: the refused job is not among it, nor in Redis.
      await request(receiver.app).get('/postback?clickid=c-after&sum=1');
      expect(taken, 'the worker took the refused postback').to.not.include(line?.postbackId);
      expect(await masterClient.exists(`${receiver.prefix}:postbacks:${String(line?.postbackId)}`)).to.equal(0);
    } finally {
      replica.thaw();
      await worker.close();
      connection.disconnect();
    }
    await waitFor('the replica in sync again', linkUp, 10_000);
  });

  it('when the master itself stops answering, then the 503 says the postback may still be applied, and its job stays held', async () => {
    master.freeze();
    let refused: request.Response;
    try {
      refused = await request(receiver.app).get('/postback?clickid=c-master-frozen&sum=1');
    } finally {
      master.thaw();
    }
    expect(refused.status).to.equal(503);
    expect(refused.body.error.details).to.deep.include({ field: 'applied', message: appliedMaybe });
    const line = receiver.logLines().find((l) => l.message === 'postback not queued' && l.requestId === refused.headers['x-request-id']);
    expect(line?.applied).to.equal('maybe');
    // The write reached the master before it froze: it waits in the delayed set, not for a worker.
    expect(await receiver.postbacks.getJobState(String(line?.postbackId))).to.be.oneOf(['delayed', 'unknown']);
    await waitFor('the replica in sync again', linkUp, 10_000);
  });

  it('when the replica is down, then postbacks get 503 with Retry-After and are counted, and 200 again once it is back', async () => {
    await replica.stop();
    const refused = await request(receiver.app).get('/postback?clickid=c-down&sum=1');
    expect(refused.status).to.equal(503);
    expect(refused.headers['retry-after']).to.be.a('string');
    const metrics = await request(receiver.app).get('/metrics');
    expect(metrics.text).to.match(/convtrack_postbacks_unconfirmed_total\{service="receiver"\} [1-9]/);
    // The id of the refused postback is logged: the job is on the master and may still run.
    expect(receiver.logLines().some((l) => l.message === 'postback not queued' && typeof l.postbackId === 'string')).to.equal(true);

    await replica.start();
    await waitFor('the replica in sync again', linkUp, 10_000);
    await request(receiver.app).get('/postback?clickid=c-back&sum=1').expect(200);
  });
});

async function waitCalls(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

async function connectedClients(redis: Redis): Promise<number> {
  return Number(/connected_clients:(\d+)/.exec(await redis.info('clients'))?.[1]);
}
