import type { Express } from 'express';
import type { RedisClient } from '../../shared/queue/redis.js';
import type { Config } from '../../shared/config/config.js';
import type { FxRates } from '../../shared/domain/fx.js';
import type { ReadinessCheck } from '../../shared/http/health.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import { createQueue, enqueue, outboundJobOptions, type TypedQueue } from '../../shared/queue/queues.js';
import { ratesFrom } from '../../shared/store/fx-rates.js';
import type { Store } from '../../shared/store/store.js';
import { apiRoutes } from './api-routes.js';
import { createReportApp, type ReportDeps } from './app.js';
import type { ApiRoute } from './route-table.js';
import type { RetryDelivery } from './api-deps.js';
import { redisSessions, type SessionTimes } from './session.js';
import { scheduleAfterChange } from '../../shared/application/schedule-delivery.js';
import { createSettingsCache } from '../../shared/application/settings-cache.js';

export interface ReportServiceDeps {
  store: Store;
  /** A producer connection. */
  redis: RedisClient;
  apiKey: string;
  config: Pick<Config, 'rules' | 'outbound'> & {
    redis: Pick<Config['redis'], 'queuePrefix'>;
    receiver: Pick<Config['receiver'], 'publicUrl'>;
    dashboard: { user: string; password: string };
  };
  fileRates: FxRates;
  metrics: Metrics;
  logger: Logger;
  readiness: ReadinessCheck[];
  /** Routes served beside the API's own table (a test's). */
  extraRoutes?: ApiRoute[];
  /** How long a console session lasts unused, and at most (defaults: 2 h, 12 h). */
  sessionTimes?: SessionTimes;
}

export interface ReportService {
  app: Express;
  queues: TypedQueue<(typeof QueueNames)[keyof typeof QueueNames]>[];
  close(): Promise<void>;
}

/** The report service's app and queues, wired the one way `main.ts` and the tests both use. */
export function createReportService({
  store,
  redis,
  apiKey,
  config,
  fileRates,
  metrics,
  logger,
  readiness,
  extraRoutes = [],
  sessionTimes,
}: ReportServiceDeps): ReportService {
  const prefix = config.redis.queuePrefix;
  const postbacks = createQueue(QueueNames.POSTBACKS, redis, prefix);
  const clicks = createQueue(QueueNames.CLICKS, redis, prefix);
  const costs = createQueue(QueueNames.COSTS, redis, prefix);
  const outbound = createQueue(QueueNames.OUTBOUND, redis, prefix);
  const queues = [postbacks, clicks, costs, outbound];
  const outboundOptions = outboundJobOptions(config.outbound.attempts, config.outbound.backoffMs);

  const settings = createSettingsCache(store, fileRates);
  const retryDelivery: RetryDelivery = async (id) => {
    const job = await outbound.getJob(id);
    const state = job ? await job.getState() : null;
    if (job && state === 'failed') {
      await job.retry('failed');
      return 'retried';
    }
    if (job && state === 'delayed') {
      await job.promote();
      return 'promoted';
    }
    if (state === 'active') return 'in_progress';
    if (state === 'waiting' || state === 'prioritized') return 'queued';
    // The job is gone (kept failed jobs expire) or finished: a fresh one for the same delivery.
    await enqueue(outbound, `${id}-retry-${Date.now()}`, { deliveryId: id }, outboundOptions);
    return 'requeued';
  };

  const deps: ReportDeps = {
    store,
    apiKey,
    sessions: redisSessions(redis, prefix, sessionTimes),
    publicUrl: config.receiver.publicUrl,
    journeyTypeLimit: config.rules.journeyTypeLimit,
    accountCurrency: config.rules.accountCurrency,
    fileRates,
    rates: ratesFrom(store, fileRates),
    enqueueReplay: (jobId, data) => enqueue(postbacks, jobId, data),
    enqueueCost: (id, data) => enqueue(costs, id, data),
    queuedState: async (id) => {
      const job = await costs.getJob(id);
      // BullMQ types failedReason as a string; it is missing until the job fails.
      return job ? { state: await job.getState(), failedReason: job.failedReason || null } : null;
    },
    retryDelivery,
    afterReversal: async (conversion) => {
      const schedule = { store, enqueue: (id: string) => enqueue(outbound, id, { deliveryId: id }, outboundOptions) };
      const changed = { conversionId: conversion.id, conversion, click: null, settings: await settings.current() };
      await scheduleAfterChange(schedule, changed, true);
    },
    queues,
    metrics,
    dashboard: config.dashboard,
    readiness,
    logger,
  };
  const app = createReportApp(deps, [...apiRoutes(deps), ...extraRoutes]);
  return {
    app,
    queues,
    close: async () => {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
