import { join } from 'node:path';
import { expect } from 'chai';
import { DUPLICATE_MODES, type DuplicateMode } from '../../shared/domain/duplicate-modes.js';
import { STATUSES } from '../../shared/domain/statuses.js';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { expectExactlyOnce, type SentPostback } from '../helpers/mode-invariants.js';
import { clusterUnsupported, startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';
import { clickFor, seedCampaign, type Seeded } from '../helpers/seed.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

const API_KEY = 'cluster-test-api-key-0123456789';
const PREFIX = '{convtrack}';

describe('Redis Cluster (3 masters, 3 replicas): 2 receivers, 3 workers and the report service on REDIS_CLUSTER_NODES', function () {
  this.timeout(240_000);
  const unsupported = clusterUnsupported();
  let cluster: TestRedisCluster;
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let seeded: Seeded;
  let receivers: ServiceProcess[] = [];
  let workers: ServiceProcess[] = [];
  let report: ServiceProcess;
  let baseEnv: Record<string, string> = {};

  before(async function () {
    if (unsupported) {
      console.log(`      skipped: no local Redis Cluster can be made here: ${unsupported}`);
      this.skip();
    }
    cluster = await startTestRedisCluster();
    dir = tempDir();
    const sqlitePath = join(dir.path, 'store.db');
    store = createSqliteStore(sqlitePath);
    seeded = await seedCampaign(store);
    for (const mode of DUPLICATE_MODES)
      await store.conversionTypes.put(mode, { name: mode, duplicate_mode: mode, journey: false, send_to_channel: false, created_at: 1 });
    baseEnv = {
      NODE_ENV: 'production',
      API_KEY,
      REDIS_CLUSTER_NODES: cluster.nodeList,
      QUEUE_PREFIX: PREFIX,
      REDIS_MIN_REPLICAS_ACK: '1',
      REDIS_REPLICA_ACK_TIMEOUT_MS: '500',
      RECEIVER_PROCESSES: '1',
      SQLITE_PATH: sqlitePath,
      DATA_DIR: dir.path,
      WORKER_CONCURRENCY: '16',
      JOB_LOCK_MS: '3000',
    };
    [receivers, workers, report] = await Promise.all([
      Promise.all([0, 1].map(() => startServiceProcess('receiver', baseEnv))),
      Promise.all([0, 1, 2].map(() => startServiceProcess('worker', baseEnv))),
      startServiceProcess('report', baseEnv),
    ]);
  });

  after(async function () {
    if (unsupported) return;
    await Promise.all([...receivers, ...workers, report].map((service) => service.stop()));
    await store.close();
    await cluster.destroy();
    dir.remove();
  });

  const output = (): string => [...receivers, ...workers].map((service) => service.output().slice(-1500)).join('\n');

  it('when production starts on the cluster, then every node was checked for AOF and noeviction', () => {
    const checked = receivers[0]?.lines().find((line) => line.message === 'redis durability checked');
    expect(checked?.nodes).to.equal(6);
  });

  it('when a visitor clicks and the network posts back, then the conversion reaches the report, as on one Redis', async () => {
    const [receiver] = receivers as [ServiceProcess];
    const click = await fetch(`${receiver.url}/click/${seeded.campaign.id}?sub1=cluster`, { redirect: 'manual' });
    expect(click.status).to.equal(302);
    const clickid = new URL(click.headers.get('location') ?? '').searchParams.get('cid');
    expect(clickid).to.be.a('string');
    // The click is queued too: the postback may arrive before it is stored, and waits for it.
    const postback = await fetch(`${receiver.url}/postback?clickid=${clickid ?? ''}&sum=12.5&type=create_new`);
    expect(postback.status, await postback.clone().text()).to.equal(200);

    const day = new Date().toISOString().slice(0, 10);
    let row: Record<string, unknown> | undefined;
    await waitFor(
      'the conversion in the report',
      async () => {
        const res = await fetch(`${report.url}/api/reports?from=${day}&to=${day}&group_by=sub1`, {
          headers: { authorization: `Bearer ${API_KEY}` },
        });
        const body = (await res.json()) as { rows: Array<Record<string, unknown>> };
        row = body.rows.find((r) => r.sub1 === 'cluster');
        return row?.conversions === 1;
      },
      20_000,
    );
    expect(row).to.include({ clicks: 1, conversions: 1, revenue: 12.5 });
    const dashboard = await fetch(`${report.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const { queues } = (await dashboard.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> };
    expect(queues.map((q) => q.name).sort()).to.deep.equal(['clicks', 'costs', 'outbound', 'postbacks']);
    expect(queues.find((q) => q.name === 'postbacks')?.counts.completed).to.be.greaterThan(0);
  });

  it('when the replica of the queue’s master stops answering, then postbacks get 503 (not 200) until it is back', async () => {
    const master = await cluster.masterFor(PREFIX);
    const [replica] = await cluster.replicasOf(master);
    if (!replica) throw new Error('the queue’s master has no replica');
    const [receiver] = receivers as [ServiceProcess];
    const click = clickFor(seeded);
    await store.insertClick(click);
    const clickid = click.clickid;
    replica.freeze();
    try {
      const res = await fetch(`${receiver.url}/postback?clickid=${clickid}&sum=1&type=create_new`);
      expect(res.status).to.equal(503);
      expect(res.headers.get('retry-after')).to.be.a('string');
    } finally {
      replica.thaw();
    }
    await waitFor(
      'a postback confirmed again',
      async () => (await fetch(`${receiver.url}/postback?clickid=${clickid}&sum=1&type=create_new`)).status === 200,
      20_000,
    );
  });

  it('when the queue’s master is killed under load and its replica takes over, then every acknowledged postback is applied exactly once', async () => {
    await cluster.healthy(PREFIX);
    const clicks: string[] = [];
    for (let i = 0; i < 30; i++) {
      const click = clickFor(seeded);
      await store.insertClick(click);
      clicks.push(click.clickid);
    }
    const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
    const acked: SentPostback[] = [];
    const ackTimes: number[] = [];
    const attempted = new Map<string, Omit<SentPostback, 'id'>>();
    let refused = 0;
    let n = 0;
    const state = { running: true, ackedAfterFailover: 0, failedOver: false };
    const sender = async (lane: number): Promise<void> => {
      while (state.running) {
        const i = n++;
        const mode: DuplicateMode = pick(DUPLICATE_MODES);
        const p = {
          clickid: pick(clicks),
          type: mode,
          mode,
          payoutMicros: 1_000_000 + i,
          status: pick(STATUSES),
          eventId: `E${String(i % 40)}`,
          sub1: `s${String(i)}`,
        };
        const requestId = `load-${String(i)}`;
        attempted.set(requestId, p);
        const query = `clickid=${p.clickid}&type=${p.type}&sum=${(p.payoutMicros / 1e6).toFixed(6)}&status=${p.status}&event_id=${p.eventId}&sub1=${p.sub1}`;
        const res = await fetch(`${(receivers[lane % 2] as ServiceProcess).url}/postback?${query}`, {
          headers: { 'x-request-id': requestId },
        }).catch(() => null);
        if (res?.status === 200) {
          acked.push({ ...p, id: ((await res.json()) as { id: string }).id });
          ackTimes.push(Date.now());
          if (state.failedOver) state.ackedAfterFailover++;
        } else {
          refused++;
          await res?.text();
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const lanes = Array.from({ length: 16 }, (_, lane) => sender(lane));

    await waitFor('load under way', () => acked.length >= 300, 30_000);
    const master = await cluster.masterFor(PREFIX);
    const [replica] = await cluster.replicasOf(master);
    if (!replica) throw new Error('the queue’s master has no replica');
    // The worst moment: the replica lags (frozen for 800 ms), so what the master takes meanwhile
    // is on the master alone, and then the master dies. With the replica ack nothing is
    // acknowledged while the replica cannot confirm it (without it, a few hundred would be).
    replica.freeze();
    const frozenAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 800));
    const ackedBeforeKill = acked.length;
    const killedAt = Date.now();
    await master.kill();
    replica.thaw();
    // Answers already on their way when the replica froze are allowed 300 ms to arrive.
    expect(
      ackTimes.filter((t) => t > frozenAt + 300 && t < killedAt),
      'acknowledged while the replica was frozen',
    ).to.deep.equal([]);
    await cluster.healthy(PREFIX, 30_000);
    const promoted = await cluster.masterFor(PREFIX);
    expect(promoted.port).not.to.equal(master.port);
    // The promoted master has no replica left, so with REDIS_MIN_REPLICAS_ACK=1 nothing is
    // acknowledged until one joins: the killed node, restarted, rejoins as its replica.
    const ackedWithoutReplica = acked.length;
    await master.restart();
    await waitFor('the restarted node replicating the new master', async () => (await cluster.replicasOf(promoted)).length > 0, 30_000);
    await cluster.healthy(PREFIX, 30_000);
    state.failedOver = true;
    await waitFor('postbacks acknowledged again after the failover', () => state.ackedAfterFailover >= 300, 60_000);
    state.running = false;
    await Promise.all(lanes);

    // Every acknowledged postback is logged; those answered 503 after Redis took them may be too.
    await waitFor(
      'every acknowledged postback logged',
      async () => (await Promise.all(acked.map((s) => store.getPostback(s.id)))).every(Boolean),
      90_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${output()}`);
    });
    const unconfirmed: SentPostback[] = [];
    for (const receiver of receivers)
      for (const line of receiver.lines().filter((l) => l.message === 'postback not queued')) {
        const sent = attempted.get(String(line.requestId));
        if (sent && (await store.getPostback(String(line.postbackId)))) unconfirmed.push({ ...sent, id: String(line.postbackId) });
      }
    console.log(
      `      NOTE: ${String(acked.length)} acknowledged (${String(ackedBeforeKill)} before the kill, ` +
        `${String(ackedWithoutReplica - ackedBeforeKill)} answered between the kill and the failover), ${String(refused)} refused with 503, ` +
        `${String(unconfirmed.length)} of those applied all the same (${(refused ? (1000 * unconfirmed.length) / refused : 0).toFixed(1)} per 1,000 refused); ` +
        `master ${String(master.port)} → ${String(promoted.port)}`,
    );
    await expectExactlyOnce(store, [...acked, ...unconfirmed]);
  });

  it('when a second queue shard (another prefix, on another master) shares the store, then postbacks of the same keys split over both apply exactly once', async () => {
    await cluster.healthy(PREFIX);
    const first = await cluster.masterFor(PREFIX);
    let shard = '';
    for (let i = 2; !shard; i++)
      if ((await cluster.masterFor(`{convtrack-${String(i)}}`)).port !== first.port) shard = `{convtrack-${String(i)}}`;
    const env = { ...baseEnv, QUEUE_PREFIX: shard };
    const [receiverB, workerB] = await Promise.all([startServiceProcess('receiver', env), startServiceProcess('worker', env)]);
    try {
      const clicks: string[] = [];
      for (let i = 0; i < 10; i++) {
        const click = clickFor(seeded);
        await store.insertClick(click);
        clicks.push(click.clickid);
      }
      const planned = Array.from({ length: 600 }, (_, i) => {
        const mode = DUPLICATE_MODES[i % DUPLICATE_MODES.length] as DuplicateMode;
        return {
          clickid: clicks[i % clicks.length] as string,
          type: mode,
          mode,
          payoutMicros: 2_000_000 + i,
          status: STATUSES[i % STATUSES.length] as SentPostback['status'],
          eventId: `S${String(i % 7)}`,
          sub1: `t${String(i)}`,
        };
      });
      const sent: SentPostback[] = [];
      for (let offset = 0; offset < planned.length; offset += 30) {
        const answers = await Promise.all(
          planned.slice(offset, offset + 30).map(async (p, i) => {
            const base = i % 2 === 0 ? (receivers[0] as ServiceProcess).url : receiverB.url;
            const query = `clickid=${p.clickid}&type=${p.type}&sum=${(p.payoutMicros / 1e6).toFixed(6)}&status=${p.status}&event_id=${p.eventId}&sub1=${p.sub1}`;
            const res = await fetch(`${base}/postback?${query}`);
            expect(res.status).to.equal(200);
            return { ...p, id: ((await res.json()) as { id: string }).id };
          }),
        );
        sent.push(...answers);
      }
      await waitFor(
        'every postback logged',
        async () => (await Promise.all(sent.map((s) => store.getPostback(s.id)))).every(Boolean),
        60_000,
      );
      await expectExactlyOnce(store, sent);
    } finally {
      await Promise.all([receiverB.stop(), workerB.stop()]);
    }
  });
});
