import { createReceiver, type Receiver, type ReceiverOptions } from '../../services/receiver/receiver.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createRedis, waitForRedis, type RedisClient } from '../../shared/queue/redis.js';
import type { Store } from '../../shared/store/store.js';
import { join } from 'node:path';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import { startTestRedis, type TestRedis } from './redis-server.js';
import { tempDir, uniquePrefix } from './temp.js';
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
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface ReceiverHarness extends Receiver {
  redis: RedisClient;
  prefix: string;
  /** What the receiver logged, at debug level. */
  logLines: ReturnType<typeof memoryLog>['lines'];
}

/** The production receiver composition on real BullMQ queues under a prefix of its own. */
export async function startReceiver(
  redisUrl: string,
  store: Store,
  options: Pick<ReceiverOptions, 'limits' | 'replicaAck'> = {},
): Promise<ReceiverHarness> {
  const redis = createRedis({ url: redisUrl, cluster: null }, 'producer');
  redis.on('error', () => {});
  await waitForRedis(redis, redisUrl, 5000);
  const prefix = uniquePrefix();
  const log = memoryLog();
  const logger = createLogger({ level: 'debug', service: 'receiver-test', stream: log.stream });
  const receiver = await createReceiver({
    redis,
    queuePrefix: prefix,
    store,
    trustProxy: ['loopback'],
    logger,
    tokenRefreshMs: 60_000,
    ...options,
  });
  return {
    ...receiver,
    redis,
    prefix,
    logLines: log.lines,
    close: async () => {
      await receiver.close();
      redis.disconnect();
    },
  };
}

/** A receiver on a redis-server of its own (stoppable, restartable) and a temp SQLite store: mocha hooks, state filled in `before`. */
export function receiverOnOwnRedis(redisArgs: string[] = []): { redis: TestRedis; store: Store; receiver: ReceiverHarness } {
  const state = {} as { redis: TestRedis; store: Store; receiver: ReceiverHarness };
  let dir: ReturnType<typeof tempDir>;
  before(async () => {
    state.redis = await startTestRedis(redisArgs);
    dir = tempDir();
    state.store = createSqliteStore(join(dir.path, 'store.db'));
    state.receiver = await startReceiver(state.redis.url, state.store);
  });
  after(async () => {
    await state.receiver.close();
    await state.store.close();
    await state.redis.destroy();
    dir.remove();
  });
  return state;
}
