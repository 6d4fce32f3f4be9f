import type { RequestListener } from 'node:http';
import type { RedisClient } from '../../shared/queue/redis.js';
import { loadConfig, type TrustProxy } from '../../shared/config/config.js';
import type { Logger } from '../../shared/logging/logger.js';
import { createMetrics, watchQueues } from '../../shared/metrics/metrics.js';
import type { ClickBatchJob, ClickJob, PostbacksQueueJob } from '../../shared/queue/jobs.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue, enqueue, type TypedQueue } from '../../shared/queue/queues.js';
import { createReplicatedQueue } from '../../shared/queue/replica-ack.js';
import type { Store } from '../../shared/store/store.js';
import { createReceiverHandler } from './app.js';
import { createPostbackAcceptor } from './accept-postback.js';
import { createBackpressure } from './backpressure.js';
import { clusterMetricsText } from './cluster.js';
import { createClickAcceptor } from './accept-click.js';
import { coalesce, coalescePostbacks, type CoalesceOptions } from './coalesce.js';
import type { Enqueue } from './enqueue.js';
import { createCampaignDirectory } from './campaign-directory.js';
import { createTokenDirectory } from './token-directory.js';

/** Up to 4 writes under way at once, a burst's postbacks (or clicks) gathered 100 to a job while they are (bench:ingest). */
const COALESCE: CoalesceOptions = { maxBatch: 100, maxInFlight: 4 };

const { receiver: DEFAULT_LIMITS } = loadConfig({});

export interface ReceiverOptions {
  redis: RedisClient;
  queuePrefix: string;
  store: Store;
  trustProxy: TrustProxy;
  logger: Logger;
  /** How often the known-token set is reloaded. */
  tokenRefreshMs?: number;
  /** MAX_BACKLOG and RECEIVER_MAX_IN_FLIGHT (defaults: the configuration's). */
  limits?: { maxBacklog: number; maxInFlight: number };
  /** In a cluster: `/metrics` answers the whole cluster's (see cluster.ts). */
  clustered?: boolean;
  /** REDIS_MIN_REPLICAS_ACK and its timeout: a postback is acknowledged once this many replicas have its job. */
  replicaAck?: { replicas: number; timeoutMs: number };
}

export interface Receiver {
  /** The HTTP handler: the lean postback path in front of the Express app. */
  app: RequestListener;
  postbacks: TypedQueue<'postbacks'>;
  clicks: TypedQueue<'clicks'>;
  /** Closes what the receiver opened (queues, token refresh), not the connections it was given. */
  close(): Promise<void>;
}

/** The receiver's units wired together: queues, directories, metrics, the app. */
export async function createReceiver({
  redis,
  queuePrefix,
  store,
  trustProxy,
  logger,
  tokenRefreshMs,
  limits = DEFAULT_LIMITS,
  clustered = false,
  replicaAck = { replicas: 0, timeoutMs: 0 },
}: ReceiverOptions): Promise<Receiver> {
  const postbacks = createQueue(QueueNames.POSTBACKS, redis, queuePrefix);
  const clicks = createQueue(QueueNames.CLICKS, redis, queuePrefix);
  const tokens = await createTokenDirectory(store, logger, tokenRefreshMs);
  const metrics = createMetrics('receiver');
  watchQueues(metrics, [postbacks, clicks]);
  const replicated =
    replicaAck.replicas > 0
      ? createReplicatedQueue(QueueNames.POSTBACKS, redis, queuePrefix, {
          ...replicaAck,
          logger,
          onUnconfirmed: () => metrics.postbacksUnconfirmed.inc(),
        })
      : null;
  const addPostbacks: Enqueue<PostbacksQueueJob> = (id, data) => (replicated ? replicated.enqueue(id, data) : enqueue(postbacks, id, data));
  const campaigns = createCampaignDirectory(store);
  const backpressure = createBackpressure({ waiting: () => postbacks.getWaitingCount(), ...limits, logger });
  const app = createReceiverHandler({
    acceptPostback: createPostbackAcceptor({
      enqueuePostback: coalescePostbacks(addPostbacks, addPostbacks, COALESCE),
      tokens,
      backpressure,
      onShed: (reason) => metrics.postbacksShed.inc({ reason }),
      logger,
    }),
    acceptClick: createClickAcceptor({
      campaigns,
      enqueueClick: coalesce(
        (id, job: ClickJob) => enqueue(clicks, id, job),
        (id, job: ClickBatchJob) => enqueue(clicks, id, job),
        (batch) => ({ clicks: batch.map((b) => b.job) }),
        COALESCE,
      ),
      logger,
    }),
    campaigns,
    trustProxy,
    metrics,
    ...(clustered ? { metricsText: clusterMetricsText(metrics.registry) } : {}),
    readiness: [
      { name: 'redis', check: () => redis.ping() },
      { name: 'store', check: () => store.ping() },
    ],
    logger,
  });
  return {
    app,
    postbacks,
    clicks,
    close: async () => {
      tokens.close();
      backpressure.close();
      await Promise.all([postbacks.close(), clicks.close(), replicated?.close()]);
    },
  };
}
