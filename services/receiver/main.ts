import { closeServer, listen } from '../../shared/http/listen.js';
import { onShutdown } from '../../shared/lifecycle/shutdown.js';
import { runService } from '../../shared/lifecycle/run-service.js';
import { createMetrics, watchQueues } from '../../shared/metrics/metrics.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue, enqueue } from '../../shared/queue/queues.js';
import { createRedis } from '../../shared/queue/redis.js';
import { waitForRedis } from '../../shared/queue/wait-for-redis.js';
import { createStore } from '../../shared/store/create-store.js';
import { createReceiverApp } from './app.js';
import { createCampaignDirectory } from './campaign-directory.js';
import { createTokenDirectory } from './token-directory.js';

runService('receiver', async (config, logger) => {
  const redis = createRedis(config.redis.url, 'producer');
  await waitForRedis(redis, config.redis.url);
  const store = await createStore(config.store);
  const postbacks = createQueue(QueueNames.POSTBACKS, redis, config.redis.queuePrefix);
  const clicks = createQueue(QueueNames.CLICKS, redis, config.redis.queuePrefix);
  const tokens = await createTokenDirectory(store, logger);
  const metrics = createMetrics('receiver');
  watchQueues(metrics, [postbacks, clicks]);
  const app = createReceiverApp({
    enqueuePostback: (id, data) => enqueue(postbacks, id, data),
    enqueueClick: (id, data) => enqueue(clicks, id, data),
    campaigns: createCampaignDirectory(store),
    tokens,
    trustProxy: config.receiver.trustProxy,
    metrics,
    readiness: [
      { name: 'redis', check: () => redis.ping() },
      { name: 'store', check: () => store.ping() },
    ],
    logger,
  });
  const server = await listen(app, config.receiver.port);
  logger.info('receiver listening', { port: config.receiver.port, store: store.kind });
  onShutdown(logger, config.shutdownTimeoutMs, [
    { name: 'http', close: () => closeServer(server) },
    { name: 'tokens', close: async () => tokens.close() },
    { name: 'queues', close: () => Promise.all([postbacks.close(), clicks.close()]) },
    { name: 'redis', close: () => redis.quit() },
    { name: 'store', close: () => store.close() },
  ]);
});
