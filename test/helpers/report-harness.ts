import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { createReportApp } from '../../services/report/app.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createMetrics } from '../../shared/metrics/metrics.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue, enqueue } from '../../shared/queue/queues.js';
import { createRedis } from '../../shared/queue/redis.js';
import { waitForRedis } from '../../shared/queue/wait-for-redis.js';
import type { Store } from '../../shared/store/store.js';
import { memoryLog } from './receiver-harness.js';

export const TEST_API_KEY = 'test-api-key-0123456789';

/** The report app on the given store, replaying onto a real queue under `prefix`. */
export async function startReport(redisUrl: string, prefix: string, store: Store): Promise<{ app: Express; close: () => Promise<void> }> {
  const redis: Redis = createRedis(redisUrl, 'producer');
  await waitForRedis(redis, redisUrl, 5000);
  const postbacks = createQueue(QueueNames.POSTBACKS, redis, prefix);
  const clicks = createQueue(QueueNames.CLICKS, redis, prefix);
  const app = createReportApp({
    store,
    apiKey: TEST_API_KEY,
    publicUrl: 'https://track.example',
    journeyTypeLimit: 2,
    enqueueReplay: (jobId, data) => enqueue(postbacks, jobId, data),
    queues: [postbacks, clicks],
    metrics: createMetrics('report'),
    dashboard: { user: 'ops', password: 'dashboard-password' },
    readiness: [],
    logger: createLogger({ level: 'error', service: 'report-test', stream: memoryLog().stream }),
  });
  return {
    app,
    close: async () => {
      await Promise.all([postbacks.close(), clicks.close()]);
      redis.disconnect();
    },
  };
}
