import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { createReceiverApp } from '../../services/receiver/app.js';
import { createCampaignDirectory } from '../../services/receiver/campaign-directory.js';
import { createTokenDirectory } from '../../services/receiver/token-directory.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createMetrics, watchQueues } from '../../shared/metrics/metrics.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue, enqueue, type TypedQueue } from '../../shared/queue/queues.js';
import { createRedis } from '../../shared/queue/redis.js';
import { waitForRedis } from '../../shared/queue/wait-for-redis.js';
import type { Store } from '../../shared/store/store.js';
import { uniquePrefix } from './temp.js';
import { Writable } from 'node:stream';

/** Collects log lines so a test can read them. */
export function memoryLog(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export interface ReceiverHarness {
  app: Express;
  redis: Redis;
  prefix: string;
  postbacks: TypedQueue<'postbacks'>;
  clicks: TypedQueue<'clicks'>;
  close(): Promise<void>;
}

/** The receiver app on real BullMQ queues under a prefix of its own. */
export async function startReceiver(redisUrl: string, store: Store): Promise<ReceiverHarness> {
  const redis = createRedis(redisUrl, 'producer');
  redis.on('error', () => {});
  await waitForRedis(redis, redisUrl, 5000);
  const prefix = uniquePrefix();
  const postbacks = createQueue(QueueNames.POSTBACKS, redis, prefix);
  const clicks = createQueue(QueueNames.CLICKS, redis, prefix);
  const logger = createLogger({ level: 'error', service: 'receiver-test', stream: memoryLog().stream });
  const tokens = await createTokenDirectory(store, logger, 60_000);
  const metrics = createMetrics('receiver');
  watchQueues(metrics, [postbacks, clicks]);
  const app = createReceiverApp({
    enqueuePostback: (id, data) => enqueue(postbacks, id, data),
    enqueueClick: (id, data) => enqueue(clicks, id, data),
    campaigns: createCampaignDirectory(store),
    tokens,
    trustProxy: ['loopback'],
    metrics,
    readiness: [{ name: 'redis', check: () => redis.ping() }],
    logger,
  });
  return {
    app,
    redis,
    prefix,
    postbacks,
    clicks,
    close: async () => {
      tokens.close();
      await Promise.all([postbacks.close(), clicks.close()]);
      redis.disconnect();
    },
  };
}
