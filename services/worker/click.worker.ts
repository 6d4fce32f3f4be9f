import { Worker } from 'bullmq';
import type { RedisClient } from '../../shared/queue/redis.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import { isClickBatch, type ClickJob, type ClicksQueueJob } from '../../shared/queue/jobs.js';
import { workerOptions } from '../../shared/queue/job-options.js';
import { QueueNames } from '../../shared/queue/queue-names.js';
import type { SettingsCache } from '../../shared/application/settings-cache.js';
import type { Click } from '../../shared/domain/entities.js';
import { convert } from '../../shared/domain/fx.js';
import { parseMoney } from '../../shared/domain/money.js';
import type { Store } from '../../shared/store/store.js';
import { createBatcher } from './batcher.js';
import type { DeriveTraits } from './click-traits.js';

/** Most clicks in one store transaction (a job holds up to 100; concurrent jobs share transactions). */
const MAX_COMMIT = 1000;

export interface ClickWorkerDeps {
  connection: RedisClient;
  prefix: string;
  concurrency: number;
  jobLockMs: number;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  /** Country, device, OS, browser and bot from the click's IP and user agent (the IP database opens once, at start). */
  traits: Promise<DeriveTraits>;
  /** The channels' currencies and the exchange rates, for a cost a click URL carried. */
  settings: SettingsCache;
  accountCurrency: string;
  /** False: take no job until `run()`. */
  autorun?: boolean;
}

/**
 * Stores queued clicks, one to a job or a burst's batch to a job, the clicks of
 * concurrent jobs in one transaction; storing one twice changes nothing. Each click's
 * traits are derived here, once, and a cost its URL carried is converted into the
 * account currency (at no rate known for its currency, the click costs nothing and a
 * warning says why).
 */
export function createClickWorker({
  connection,
  prefix,
  concurrency,
  jobLockMs,
  autorun,
  store,
  logger,
  metrics,
  traits,
  settings,
  accountCurrency,
}: ClickWorkerDeps): Worker<ClicksQueueJob> {
  const log = logger.child({ component: 'click-worker' });
  const batcher = createBatcher<ClickJob, null>(async (jobs) => {
    const derive = await traits;
    const priced = jobs.some((job) => job.cost) ? await settings.current() : null;
    const costOf = (job: ClickJob): number => {
      if (!job.cost || !priced) return 0;
      const currency = job.cost_currency ?? priced.channels.get(job.traffic_channel_id)?.currency ?? accountCurrency;
      const converted = convert(parseMoney(job.cost), currency, accountCurrency, priced.rates);
      if (!converted) log.warn('click cost not counted: no exchange rate', { clickid: job.clickid, currency, cost: job.cost });
      return converted?.micros ?? 0;
    };
    const clicks = jobs.map(({ requestId: _requestId, cost: _cost, cost_currency: _currency, ...click }, i): Click => {
      const own = costOf(jobs[i] as ClickJob);
      return { ...click, traits: derive(click.ip, click.user_agent), cost_micros: own, own_cost_micros: own };
    });
    await store.insertClicks(clicks);
    return jobs.map(() => null);
  }, MAX_COMMIT);
  return new Worker<ClicksQueueJob>(
    QueueNames.CLICKS,
    async (job) => {
      const timer = metrics.jobDuration.startTimer({ queue: QueueNames.CLICKS });
      const clicks = isClickBatch(job.data) ? job.data.clicks : [job.data];
      await Promise.all(clicks.map((click) => batcher.submit(click)));
      timer();
      if (log.isDebugEnabled())
        for (const click of clicks) log.debug('click stored', { clickid: click.clickid, requestId: click.requestId });
    },
    { connection, prefix, concurrency, ...workerOptions(jobLockMs, autorun) },
  );
}
