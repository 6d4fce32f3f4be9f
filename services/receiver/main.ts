import cluster from 'node:cluster';
import { boundPort, closeServer, listen } from '../../shared/http/listen.js';
import { onShutdown } from '../../shared/lifecycle/shutdown.js';
import { runService } from '../../shared/lifecycle/run-service.js';
import { createRedis } from '../../shared/queue/redis.js';
import { guardRedisDurability } from '../../shared/queue/redis-durability.js';
import { waitForRedis } from '../../shared/queue/wait-for-redis.js';
import { createStore } from '../../shared/store/create-store.js';
import { startReceiverCluster } from './cluster.js';
import { createReceiver } from './receiver.js';

runService('receiver', async (config, logger) => {
  const clustered = config.receiver.processes > 1;
  if (clustered && cluster.isPrimary) {
    // The primary serves nothing itself: it checks Redis once, then keeps RECEIVER_PROCESSES receivers running.
    const redis = createRedis(config.redis.url, 'producer', logger);
    await waitForRedis(redis, config.redis.url);
    await guardRedisDurability(redis, config.redis.url, config.env, logger);
    await redis.quit();
    const receivers = startReceiverCluster(config.receiver.processes, logger);
    onShutdown(logger, config.shutdownTimeoutMs, [{ name: 'receivers', close: () => receivers.close() }]);
    return;
  }
  const redis = createRedis(config.redis.url, 'producer', logger);
  await waitForRedis(redis, config.redis.url);
  if (!clustered) await guardRedisDurability(redis, config.redis.url, config.env, logger);
  const store = await createStore(config.store);
  const receiver = await createReceiver({
    redis,
    queuePrefix: config.redis.queuePrefix,
    store,
    trustProxy: config.receiver.trustProxy,
    limits: config.receiver,
    clustered,
    logger,
  });
  const server = await listen(receiver.app, config.receiver.port);
  onShutdown(logger, config.shutdownTimeoutMs, [
    { name: 'http', close: () => closeServer(server) },
    { name: 'receiver', close: () => receiver.close() },
    { name: 'redis', close: () => redis.quit() },
    { name: 'store', close: () => store.close() },
  ]);
  // Said once the signal handlers are in place: whoever waits for this line may stop us.
  logger.info('receiver listening', { port: boundPort(server), store: store.kind, pid: process.pid });
});
