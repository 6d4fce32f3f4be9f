import type { Express } from 'express';
import { createReportService } from '../../services/report/report-service.js';
import type { ApiRoute } from '../../services/report/route-table.js';
import { loadConfig, type Config } from '../../shared/config/config.js';
import type { FxRates } from '../../shared/domain/fx.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createMetrics } from '../../shared/metrics/metrics.js';
import { createRedis, waitForRedis, type RedisClient } from '../../shared/queue/redis.js';
import type { Store } from '../../shared/store/store.js';
import { memoryLog } from './receiver-harness.js';
import type { SessionTimes } from '../../services/report/session.js';

export const TEST_API_KEY = 'test-api-key-0123456789';

export interface ReportOptions {
  rules?: Partial<Config['rules']>;
  outbound?: Partial<Config['outbound']>;
  fileRates?: FxRates;
  extraRoutes?: ApiRoute[];
  /** The receiver's public URL (default https://track.example): a test that posts to it gives the real one. */
  publicUrl?: string;
  sessionTimes?: SessionTimes;
}

/** The report service (wired as in production) on the given store and real queues under `prefix`. */
export async function startReport(
  redisUrl: string,
  prefix: string,
  store: Store,
  options: ReportOptions = {},
): Promise<{ app: Express; logLines: ReturnType<typeof memoryLog>['lines']; close: () => Promise<void> }> {
  const redis: RedisClient = createRedis({ url: redisUrl, cluster: null }, 'producer');
  // A test that stops Redis sees the failures in the answers; ioredis would also print each one.
  redis.on('error', () => {});
  await waitForRedis(redis, redisUrl, 5000);
  const defaults = loadConfig({});
  const log = memoryLog();
  const service = createReportService({
    store,
    redis,
    apiKey: TEST_API_KEY,
    config: {
      rules: { ...defaults.rules, journeyTypeLimit: 2, ...options.rules },
      outbound: { ...defaults.outbound, ...options.outbound },
      redis: { queuePrefix: prefix },
      receiver: { publicUrl: options.publicUrl ?? 'https://track.example' },
      dashboard: { user: 'ops', password: 'dashboard-password' },
    },
    fileRates: options.fileRates ?? {},
    extraRoutes: options.extraRoutes ?? [],
    ...(options.sessionTimes ? { sessionTimes: options.sessionTimes } : {}),
    metrics: createMetrics('report'),
    readiness: [],
    logger: createLogger({ level: 'debug', service: 'report-test', stream: log.stream }),
  });
  return {
    app: service.app,
    logLines: log.lines,
    close: async () => {
      await service.close();
      redis.disconnect();
    },
  };
}
