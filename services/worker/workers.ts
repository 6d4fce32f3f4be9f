import type { Worker } from 'bullmq';
import type { RedisClient } from '../../shared/queue/redis.js';
import type { Config } from '../../shared/config/config.js';
import type { FxRates } from '../../shared/domain/fx.js';
import { createRedisLock } from '../../shared/locking/redis-lock.js';
import { errorFields } from '../../shared/logging/error-fields.js';
import type { Logger } from '../../shared/logging/logger.js';
import { watchClickWaits, type Metrics } from '../../shared/metrics/metrics.js';
import { createClickWaits } from '../../shared/queue/click-waits.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue, enqueue, outboundJobOptions } from '../../shared/queue/queues.js';
import type { Store } from '../../shared/store/store.js';
import { createClickWorker } from './click.worker.js';
import { openTraits, type DeriveTraits } from './click-traits.js';
import { createCostWorker } from './cost.worker.js';
import { createOutboundWorker } from './outbound/outbound.worker.js';
import { scheduleAfterChange } from '../../shared/application/schedule-delivery.js';
import { createAdapters } from './outbound/adapters.js';
import { createTokenSource } from './outbound/oauth.js';
import { createPostbackWorker } from './postback.worker.js';
import { createRecovery, type Recovery } from './recover-jobs.js';
import { createRetention, type Retention } from './retention.js';
import { createSettingsCache } from '../../shared/application/settings-cache.js';
import { logStalledPostbacks, stalledOut } from './stalled-postbacks.js';

/** A cost update's lock; the TTL only matters if a worker dies holding it. */
const LOCK_OPTIONS = { ttlMs: 30_000, waitMs: 20_000 };
/**
 * A delivery's lock: a lease renewed while the send runs, so a sender that dies frees
 * it within 10 s whatever the request timeout; one try, so a job whose delivery is busy
 * elsewhere goes back to the delayed set at once instead of waiting while active (a job
 * kept active for its wait was in every crash of its worker, and BullMQ failed it once
 * its stalls passed the limit: the delivery stayed queued, never sent).
 */
const DELIVERY_LOCK_OPTIONS = { ttlMs: 10_000, waitMs: 0, renewEveryMs: 2_000 };
/** One retention sweep a minute among every worker process (each removes for at most a few seconds). */
const RETENTION_INTERVAL_MS = 60_000;

export interface WorkersDeps {
  connection: RedisClient;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  config: Pick<Config, 'rules' | 'worker' | 'outbound' | 'retention'> & { redis: Pick<Config['redis'], 'queuePrefix'> };
  /** Rates from FX_RATES_FILE, if any. */
  fileRates: FxRates;
  /** Derives clicks' traits; absent: opened from `config.worker.geoipDb` (main.ts opens it first, so a bad file stops the start). */
  deriveTraits?: DeriveTraits;
  /** False: the workers take no job until `run()` (a process binds its port first). */
  autorun?: boolean;
}

export interface Workers {
  clicks: Worker;
  postbacks: Worker;
  costs: Worker;
  outbound: Worker;
  all: Worker[];
  /** Finds deliveries whose job will not run and queues them again; sweeps on its own once `run()`. */
  recovery: Recovery;
  /** Removes raw rows past their retention (CLICK_RETENTION_DAYS and the like). */
  retention: Retention;
  /** Starts taking jobs (for workers made with `autorun: false`). */
  run(): void;
  /** Waits for the jobs in flight, then stops. */
  close(): Promise<void>;
}

/** Every worker of the system, wired the one way `main.ts` and the tests both use. */
export function createWorkers({
  connection,
  store,
  logger,
  metrics,
  config,
  fileRates,
  deriveTraits,
  autorun = true,
}: WorkersDeps): Workers {
  const prefix = config.redis.queuePrefix;
  const common = {
    metrics,
    connection,
    prefix,
    concurrency: config.worker.concurrency,
    jobLockMs: config.worker.jobLockMs,
    autorun,
    store,
    logger,
  };
  const withLock = createRedisLock(connection, prefix, LOCK_OPTIONS);
  const deliveryLock = createRedisLock(connection, prefix, DELIVERY_LOCK_OPTIONS);
  const outboundQueue = createQueue(QueueNames.OUTBOUND, connection, prefix);
  const postbacksQueue = createQueue(QueueNames.POSTBACKS, connection, prefix);
  const outboundOptions = outboundJobOptions(config.outbound.attempts, config.outbound.backoffMs);
  const enqueueDelivery = (id: string): Promise<void> => enqueue(outboundQueue, id, { deliveryId: id }, outboundOptions);

  const clickWaits = createClickWaits(connection, prefix, config.rules.unknownClickidMaxWaiting);
  watchClickWaits(metrics, () => clickWaits.count());

  const settings = createSettingsCache(store, fileRates);
  const clicks = createClickWorker({
    ...common,
    traits: deriveTraits ? Promise.resolve(deriveTraits) : openTraits(config.worker.geoipDb),
    settings,
    accountCurrency: config.rules.accountCurrency,
  });
  const postbacks = createPostbackWorker({
    ...common,
    rules: config.rules,
    clickWaits,
    onWaitRefused: () => metrics.postbacksWaitRefused.inc(),
    settings,
    requeue: (id, job, delay) => enqueue(postbacksQueue, id, job, { delay }),
    schedule: async (result) => {
      const changed = {
        conversionId: result.entry.conversion_id as string,
        conversion: result.applied ? result.conversion : null,
        click: result.click,
        settings: result.settings,
      };
      await scheduleAfterChange({ store, enqueue: enqueueDelivery }, changed, result.entry.outcome === 'reversed');
    },
  });
  const costs = createCostWorker({ ...common, withLock });
  const outbound = createOutboundWorker({
    ...common,
    withLock: deliveryLock,
    timeoutMs: config.outbound.timeoutMs,
    adapterFor: createAdapters(config.outbound.platforms, createTokenSource(config.outbound.timeoutMs)),
  });
  const all = [clicks, postbacks, costs, outbound];
  const recovery = createRecovery({
    store,
    redis: connection,
    prefix,
    outbound: outboundQueue,
    postbacks: postbacksQueue,
    enqueueDelivery,
    metrics,
    logger,
    intervalMs: config.worker.recoveryIntervalMs,
  });
  const retention = createRetention({
    store,
    redis: connection,
    prefix,
    days: config.retention,
    metrics,
    logger,
    intervalMs: RETENTION_INTERVAL_MS,
  });
  if (autorun) {
    recovery.start();
    retention.start();
  }
  for (const worker of all) {
    worker.on('failed', (job, err) => {
      if (!stalledOut(err.message)) {
        logger.warn('job failed', { queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: errorFields(err) });
        return;
      }
      // Its worker died with it more often than maxStalledCount: BullMQ will not run it again.
      metrics.jobsStalledOut.inc({ queue: worker.name });
      logger.error('job stalled out: the workers running it died too often', {
        queue: worker.name,
        jobId: job?.id,
        stalls: job?.stalledCounter,
        then:
          worker === postbacks
            ? 'its postbacks are logged rejected worker_crashed (replay them)'
            : worker === outbound
              ? `its delivery is queued again from the delivery log within ${String(2 * config.worker.recoveryIntervalMs)} ms`
              : 'retry it from the queue dashboard',
      });
      if (worker === postbacks && job)
        logStalledPostbacks(store, job as Parameters<typeof logStalledPostbacks>[1]).catch((cause: unknown) =>
          logger.warn('stalled-out postbacks not logged yet; the recovery sweep logs them', { jobId: job.id, err: errorFields(cause) }),
        );
    });
    worker.on('error', (err) => logger.error('worker error', { queue: worker.name, err: errorFields(err) }));
  }
  return {
    clicks,
    postbacks,
    costs,
    outbound,
    all,
    recovery,
    retention,
    run: () => {
      recovery.start();
      retention.start();
      // run() resolves when the worker closes; its errors are the workers' 'error' events.
      for (const worker of all)
        if (!worker.isRunning())
          worker.run().catch((err: unknown) => logger.error('worker stopped', { queue: worker.name, err: errorFields(err) }));
    },
    close: async () => {
      await Promise.all([recovery.close(), retention.close()]);
      await Promise.all(all.map((w) => w.close()));
      await Promise.all([outboundQueue.close(), postbacksQueue.close()]);
    },
  };
}
