import cluster from 'node:cluster';
import { boundPort, closeServer, listen } from '../../shared/http/listen.js';
import { onShutdown } from '../../shared/lifecycle/shutdown.js';
import { runService } from '../../shared/lifecycle/run-service.js';
import { openRedis } from '../../shared/queue/connect.js';
import type { RedisClient } from '../../shared/queue/redis.js';
import { warnIfTooFewReplicas } from '../../shared/queue/replica-ack.js';
import { createStore } from '../../shared/store/create-store.js';
import { startReceiverCluster } from './cluster.js';
import { createReceiver } from './receiver.js';

runService('receiver', async (config, logger) => {
  const checkReplicas = async (redis: RedisClient): Promise<void> => {
    if (config.redis.minReplicasAck > 0)
      await warnIfTooFewReplicas(redis, `${config.redis.queuePrefix}:postbacks`, config.redis.minReplicasAck, logger);
  };
  const clustered = config.receiver.processes > 1;
  if (clustered && cluster.isPrimary) {
    // The primary serves nothing itself: it checks Redis once, then keeps RECEIVER_PROCESSES receivers running.
    const redis = await openRedis(config, 'producer', logger);
    await checkReplicas(redis);
    await redis.quit();
    const receivers = startReceiverCluster(config.receiver.processes, logger);
    onShutdown(logger, config.shutdownTimeoutMs, [{ name: 'receivers', close: () => receivers.close() }]);
    return;
  }
  const redis = await openRedis(config, 'producer', logger, !clustered);
  if (!clustered) await checkReplicas(redis);
  const store = await createStore(config.store);
  const receiver = await createReceiver({
    redis,
    queuePrefix: config.redis.queuePrefix,
    store,
    trustProxy: config.receiver.trustProxy,
    limits: config.receiver,
    clustered,
    replicaAck: { replicas: config.redis.minReplicasAck, timeoutMs: config.redis.replicaAckTimeoutMs },
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
