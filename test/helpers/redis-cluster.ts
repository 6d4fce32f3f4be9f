import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { tempDir } from './temp.js';

/** One redis-server of a test cluster. */
export interface ClusterNode {
  port: number;
  address: string;
  /** SIGKILLs it (a crash: no shutdown, no last write). */
  kill(): Promise<void>;
  /** Starts it again from its folder: a former master rejoins as a replica of the node that took over. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: it stops answering without its sockets closing. */
  freeze(): void;
  thaw(): void;
}

/** A real Redis Cluster on loopback for tests: 3 masters, 3 replicas, AOF on, 1 s node timeout. */
export interface TestRedisCluster {
  nodes: ClusterNode[];
  /** `host:port,…` of every node, as REDIS_CLUSTER_NODES takes it. */
  nodeList: string;
  /** The node that is master for `key`'s slot now, as the cluster itself says. */
  masterFor(key: string): Promise<ClusterNode>;
  /** The replicas of `master` as the cluster says now. */
  replicasOf(master: ClusterNode): Promise<ClusterNode[]>;
  /** Resolves once every live node sees the cluster healthy and `key`'s slot served by a live master. */
  healthy(key?: string, timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

/** Why a cluster cannot be made here (null: it can). Tests skip with this line. */
export function clusterUnsupported(): string | null {
  const help = spawnSync('redis-cli', ['--cluster', 'help'], { encoding: 'utf8' });
  if (help.error) return `redis-cli is not installed (${help.error.message})`;
  if (!`${help.stdout}${help.stderr}`.includes('create')) return 'this redis-cli has no --cluster support (Redis ≥ 5 needed)';
  return null;
}

/** Starts 6 nodes on free loopback ports and joins them with `redis-cli --cluster create … --cluster-replicas 1`. */
export async function startTestRedisCluster(extraArgs: string[] = []): Promise<TestRedisCluster> {
  const dir = tempDir('convtrack-cluster-');
  const children = new Map<number, ChildProcess>();
  const ports: number[] = [];
  while (ports.length < 6) {
    // Each node also takes port+10000 for the cluster bus.
    const port = await freePort();
    if (port < 55_000 && !ports.includes(port) && (await busPortFree(port + 10_000))) ports.push(port);
  }
  const launch = (port: number): void => {
    const nodeDir = join(dir.path, String(port));
    mkdirSync(nodeDir, { recursive: true });
    const child = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir, '--save', ''],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '1000'],
        ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'],
        // A replica that has not synced once cannot take over; without this it waits 5 s to start.
        ...['--repl-diskless-sync-delay', '0', '--logfile', join(nodeDir, 'redis.log')],
        ...extraArgs,
      ],
      { stdio: 'ignore' },
    );
    children.set(port, child);
  };
  for (const port of ports) launch(port);
  const clients = new Map(ports.map((port) => [port, quietClient(port)]));
  await Promise.all([...clients.values()].map((client) => retry(() => client.ping(), 10_000)));
  const create = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);

  const nodeOf = (port: number): ClusterNode => {
    const signal = (name: NodeJS.Signals): void => void children.get(port)?.kill(name);
    return {
      port,
      address: `127.0.0.1:${port}`,
      kill: async () => {
        const child = children.get(port);
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        });
      },
      restart: async () => {
        launch(port);
        const client = clients.get(port);
        if (client) await retry(() => client.ping(), 10_000);
      },
      freeze: () => signal('SIGSTOP'),
      thaw: () => signal('SIGCONT'),
    };
  };
  const nodes = ports.map(nodeOf);
  const alive = (port: number): boolean => {
    const child = children.get(port);
    return !!child && child.exitCode === null && child.signalCode === null;
  };
  const anyLive = (): Redis => {
    const port = ports.find(alive);
    const client = port === undefined ? undefined : clients.get(port);
    if (!client) throw new Error('no cluster node is alive');
    return client;
  };
  /** `CLUSTER NODES` lines of live nodes: id, address, flags, master id, slots. */
  const table = async (): Promise<{ port: number; master: boolean; failed: boolean; masterId: string; id: string; slots: string[] }[]> => {
    const text = (await anyLive().call('CLUSTER', 'NODES')) as string;
    return text
      .trim()
      .split('\n')
      .map((line) => {
        const [id = '', address = '', flags = '', masterId = '', , , , , ...slots] = line.split(' ');
        return {
          id,
          port: Number(/:(\d+)@/.exec(address)?.[1]),
          master: flags.includes('master'),
          failed: flags.includes('fail'),
          masterId,
          slots,
        };
      });
  };
  const slotOf = async (key: string): Promise<number> => Number(await anyLive().call('CLUSTER', 'KEYSLOT', key));
  const masterFor = async (key: string): Promise<ClusterNode> => {
    const slot = await slotOf(key);
    const row = (await table()).find(
      (r) =>
        r.master &&
        !r.failed &&
        r.slots.some((range) => {
          const [from = '', to = from] = range.split('-');
          return Number(from) <= slot && slot <= Number(to);
        }),
    );
    if (!row) throw new Error(`no live master serves slot ${slot}`);
    return nodeOf(row.port);
  };

  const healthy = async (key = '{convtrack}', timeoutMs = 30_000): Promise<void> => {
    await retry(async () => {
      for (const port of ports.filter(alive)) {
        const info = (await clients.get(port)?.call('CLUSTER', 'INFO')) as string;
        if (!info.includes('cluster_state:ok')) throw new Error(`node ${port} does not see the cluster healthy yet`);
        const replication = (await clients.get(port)?.info('replication')) ?? '';
        if (replication.includes('role:slave') && !replication.includes('master_link_status:up'))
          throw new Error(`replica ${port} has not synced with its master yet`);
      }
      const master = await masterFor(key);
      if (!alive(master.port)) throw new Error(`slot of ${key} still on the dead node ${master.port}`);
    }, timeoutMs);
  };
  await healthy();
  return {
    nodes,
    nodeList: nodes.map((node) => node.address).join(','),
    masterFor,
    replicasOf: async (master) => {
      const rows = await table();
      const id = rows.find((r) => r.port === master.port)?.id;
      return rows.filter((r) => !r.master && r.masterId === id && !r.failed).map((r) => nodeOf(r.port));
    },
    healthy,
    destroy: async () => {
      for (const client of clients.values()) client.disconnect();
      for (const node of nodes) {
        node.thaw();
        await node.kill();
      }
      dir.remove();
    },
  };
}

function quietClient(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  client.on('error', () => {});
  return client;
}

async function busPortFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function retry<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
