import type { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createClickWorker } from '../../services/worker/click.worker.js';
import { createPostbackWorker } from '../../services/worker/postback.worker.js';
import { loadConfig, type Config } from '../../shared/config/config.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createRedisLock } from '../../shared/locking/redis-lock.js';
import { createMetrics, type Metrics } from '../../shared/metrics/metrics.js';
import { createRedis } from '../../shared/queue/redis.js';
import type { Store } from '../../shared/store/store.js';
import { memoryLog } from './receiver-harness.js';

export interface WorkerHarness {
  postbackWorker: Worker;
  clickWorker: Worker;
  logLines: ReturnType<typeof memoryLog>['lines'];
  metrics: Metrics;
  /** Resolves with the job once the postback worker completed `jobId`. */
  completed(jobId: string, timeoutMs?: number): Promise<Job>;
  close(): Promise<void>;
}

/** Real BullMQ workers on the given prefix, writing to the given store. */
export function startWorkers(redisUrl: string, prefix: string, store: Store, rules: Partial<Config['rules']> = {}): WorkerHarness {
  const connection: Redis = createRedis(redisUrl, 'worker');
  const log = memoryLog();
  const logger = createLogger({ level: 'debug', service: 'worker-test', stream: log.stream });
  const metrics = createMetrics('worker');
  const common = { metrics, connection, prefix, concurrency: 4, jobLockMs: 30_000, store, logger };
  const clickWorker = createClickWorker(common);
  const withLock = createRedisLock(connection, prefix, { ttlMs: 30_000, waitMs: 20_000 });
  const postbackWorker = createPostbackWorker({ ...common, withLock, rules: { ...loadConfig({}).rules, ...rules } });
  const done = new Map<string, Job>();
  const waiters = new Map<string, (job: Job) => void>();
  postbackWorker.on('completed', (job) => {
    done.set(job.id as string, job);
    waiters.get(job.id as string)?.(job);
  });
  return {
    postbackWorker,
    clickWorker,
    logLines: log.lines,
    metrics,
    completed: (jobId, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const finished = done.get(jobId);
        if (finished) return resolve(finished);
        const timer = setTimeout(() => reject(new Error(`job ${jobId} not completed in ${timeoutMs} ms`)), timeoutMs);
        waiters.set(jobId, (job) => {
          clearTimeout(timer);
          resolve(job);
        });
      }),
    close: async () => {
      await Promise.all([clickWorker.close(), postbackWorker.close()]);
      connection.disconnect();
    },
  };
}
