import type { Job, Worker } from 'bullmq';
import { createWorkers, type Workers } from '../../services/worker/workers.js';
import { loadConfig, type Config } from '../../shared/config/config.js';
import type { FxRates } from '../../shared/domain/fx.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createMetrics, type Metrics } from '../../shared/metrics/metrics.js';
import { createRedis, type RedisClient } from '../../shared/queue/redis.js';
import { isPostbackBatch, type PostbacksQueueJob } from '../../shared/queue/jobs.js';
import type { Store } from '../../shared/store/store.js';
import { memoryLog } from './receiver-harness.js';

export interface WorkerHarness {
  postbackWorker: Worker;
  clickWorker: Worker;
  workers: Workers;
  logLines: ReturnType<typeof memoryLog>['lines'];
  metrics: Metrics;
  /** Resolves with the job once the postback worker completed `jobId`, or the batch job holding postback `jobId`. */
  completed(jobId: string, timeoutMs?: number): Promise<Job>;
  close(): Promise<void>;
}

export interface WorkerOptions {
  outbound?: Partial<Config['outbound']>;
  worker?: Partial<Config['worker']>;
  fileRates?: FxRates;
  retention?: Partial<Config['retention']>;
}

/** Real BullMQ workers (all of them, wired as in production) on the given prefix, writing to the given store. */
export function startWorkers(
  redisUrl: string,
  prefix: string,
  store: Store,
  rules: Partial<Config['rules']> = {},
  options: WorkerOptions = {},
): WorkerHarness {
  const connection: RedisClient = createRedis({ url: redisUrl, cluster: null }, 'worker');
  const log = memoryLog();
  const logger = createLogger({ level: 'debug', service: 'worker-test', stream: log.stream });
  const metrics = createMetrics('worker');
  const defaults = loadConfig({});
  const config = {
    rules: { ...defaults.rules, ...rules },
    worker: { ...defaults.worker, concurrency: 4, ...options.worker },
    outbound: { ...defaults.outbound, ...options.outbound },
    redis: { queuePrefix: prefix },
    retention: { ...defaults.retention, ...options.retention },
  };
  const workers = createWorkers({ connection, store, logger, metrics, config, fileRates: options.fileRates ?? {} });
  const { postbacks: postbackWorker, clicks: clickWorker } = workers;
  const done = new Map<string, Job>();
  const waiters = new Map<string, (job: Job) => void>();
  postbackWorker.on('completed', (job) => {
    // A batch job completes every postback in it that did not leave it to wait for its click.
    const data = job.data as PostbacksQueueJob;
    const waiting = new Set((job.returnvalue as { waiting?: string[] } | undefined)?.waiting ?? []);
    const ids = isPostbackBatch(data) ? data.postbacks.map((p) => p.id).filter((id) => !waiting.has(id)) : [job.id as string];
    for (const id of ids) {
      done.set(id, job);
      waiters.get(id)?.(job);
    }
  });
  return {
    postbackWorker,
    clickWorker,
    workers,
    logLines: log.lines,
    metrics,
    completed: (jobId, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const finished = done.get(jobId);
        if (finished) {
          resolve(finished);
          return;
        }
        const timer = setTimeout(() => reject(new Error(`job ${jobId} not completed in ${timeoutMs} ms`)), timeoutMs);
        waiters.set(jobId, (job) => {
          clearTimeout(timer);
          resolve(job);
        });
      }),
    close: async () => {
      await workers.close();
      connection.disconnect();
    },
  };
}
