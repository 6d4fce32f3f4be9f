import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from '../../shared/logging/logger.js';
import { errorFields } from '../../shared/logging/error-fields.js';

const ASK = 'convtrack:metrics?';
const ANSWER = 'convtrack:metrics';
type MetricsMessage = { type: typeof ASK; id: number } | { type: typeof ANSWER; id: number; text: string };

/**
 * The primary of `RECEIVER_PROCESSES` receivers (Node's cluster module: they share the
 * port, the kernel spreads connections). It forks them, forks again one that dies
 * (not while stopping), stops them all on `close` (each finishes its requests), and
 * answers a receiver asking for the cluster's metrics with every receiver's summed.
 */
export function startReceiverCluster(count: number, logger: Logger): { close(): Promise<void> } {
  let stopping = false;
  const aggregator = new AggregatorRegistry();
  const fork = (): Worker => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error('receiver process died; starting another', { pid: worker.process.pid, code, signal });
    setTimeout(fork, 1000).unref();
  });
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message.type !== ASK) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: message.id, text } satisfies MetricsMessage),
      (err: unknown) => {
        logger.warn('cluster metrics failed', { err: errorFields(err) });
        worker.send({ type: ANSWER, id: message.id, text: '' } satisfies MetricsMessage);
      },
    );
  });
  for (let i = 0; i < count; i++) fork();
  logger.info('receiver processes started', { processes: count });
  return {
    close: async () => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/**
 * In a receiver of a cluster: its registry is what it reports to the primary, and
 * `/metrics` answers the whole cluster's, asked of the primary (counters summed over the
 * processes, so a scrape of any one of them is complete).
 */
export function clusterMetricsText(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client answers the primary's requests from a worker only once an AggregatorRegistry exists there.
  new AggregatorRegistry();
  let next = 0;
  const waiting = new Map<number, (text: string) => void>();
  process.on('message', (message: MetricsMessage) => {
    if (message.type === ANSWER) waiting.get(message.id)?.(message.text);
  });
  return () =>
    new Promise<string>((resolve) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        // The primary did not answer in time: this process's own, rather than nothing.
        void registry.metrics().then(resolve);
      }, 5000);
      waiting.set(id, (text) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(text);
      });
      process.send?.({ type: ASK, id } satisfies MetricsMessage);
    });
}
