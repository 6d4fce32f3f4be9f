import type { Queue } from 'bullmq';
import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per process, labelled with its service. */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  postbacksReceived: Counter<'code'>;
  /** Postbacks refused with 503 before queueing, by reason: `backlog` (the queue is over MAX_BACKLOG) or `in_flight`. */
  postbacksShed: Counter<'reason'>;
  /** Postbacks answered 503 because too few Redis replicas confirmed their job in time (REDIS_MIN_REPLICAS_ACK). */
  postbacksUnconfirmed: Counter;
  postbacksProcessed: Counter<'outcome' | 'reason'>;
  /** Postbacks for a click not stored yet rejected at once because UNKNOWN_CLICKID_MAX_WAITING already wait. */
  postbacksWaitRefused: Counter;
  /** Raw rows retention removed, by kind: clicks, postbacks (log entries), deliveries. */
  rowsRemoved: Counter<'kind'>;
  jobDuration: Histogram<'queue'>;
  /** Outbound postback attempts by result: delivered, retrying (will try again) or failed. */
  outboundAttempts: Counter<'result'>;
  /** Jobs BullMQ failed because they stalled (their worker died) more often than allowed, by queue. */
  jobsStalledOut: Counter<'queue'>;
  /** Deliveries still queued or retrying in the delivery log whose job was gone, failed or done, queued again; by what their job was. */
  deliveriesRecovered: Counter<'job'>;
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and answer code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    postbacksReceived: new Counter({
      name: 'convtrack_postbacks_received_total',
      help: 'Postbacks received, by answer code',
      labelNames: ['code'],
      registers: [registry],
    }),
    postbacksShed: new Counter({
      name: 'convtrack_postbacks_shed_total',
      help: 'Postbacks refused with 503 before queueing, by reason (backlog, in_flight)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    postbacksUnconfirmed: new Counter({
      name: 'convtrack_postbacks_unconfirmed_total',
      help: 'Postbacks answered 503 because too few Redis replicas confirmed their job in time (the job may still run)',
      registers: [registry],
    }),
    postbacksProcessed: new Counter({
      name: 'convtrack_postbacks_processed_total',
      help: 'Postbacks processed by the worker, by outcome and reject reason',
      labelNames: ['outcome', 'reason'],
      registers: [registry],
    }),
    postbacksWaitRefused: new Counter({
      name: 'convtrack_postbacks_wait_refused_total',
      help: 'Postbacks for a click not stored yet rejected unknown_clickid at once, because UNKNOWN_CLICKID_MAX_WAITING postbacks already wait for their clicks',
      registers: [registry],
    }),
    rowsRemoved: new Counter({
      name: 'convtrack_retention_removed_total',
      help: 'Raw rows removed past their retention (CLICK_RETENTION_DAYS and the like), by kind: clicks, postbacks, deliveries',
      labelNames: ['kind'],
      registers: [registry],
    }),
    outboundAttempts: new Counter({
      name: 'convtrack_outbound_attempts_total',
      help: 'Outbound postback attempts, by result (delivered, retrying, failed)',
      labelNames: ['result'],
      registers: [registry],
    }),
    jobsStalledOut: new Counter({
      name: 'convtrack_jobs_stalled_out_total',
      help: 'Jobs BullMQ failed because their worker died with them more often than allowed, by queue (postbacks are then logged rejected worker_crashed, deliveries queued again)',
      labelNames: ['queue'],
      registers: [registry],
    }),
    deliveriesRecovered: new Counter({
      name: 'convtrack_deliveries_recovered_total',
      help: 'Deliveries still queued or retrying in the delivery log whose job was missing, failed or completed, queued again; by what their job was',
      labelNames: ['job'],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'convtrack_job_duration_seconds',
      help: 'Time a worker spends on one job',
      labelNames: ['queue'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
  };
}

/** Job counts per queue and state, read from Redis when Prometheus scrapes. */
export function watchQueues(metrics: Metrics, queues: Queue[]): void {
  new Gauge({
    name: 'convtrack_queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'],
    // Every process of a cluster reads the same queues: the cluster's figure is one of them, not their sum.
    aggregator: 'max',
    registers: [metrics.registry],
    async collect() {
      for (const queue of queues) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
        for (const [state, count] of Object.entries(counts)) this.set({ queue: queue.name, state }, count);
      }
    },
  });
}

/** How many postbacks wait in Redis for their click, read when Prometheus scrapes. */
export function watchClickWaits(metrics: Metrics, count: () => Promise<number>): void {
  new Gauge({
    name: 'convtrack_postbacks_waiting_for_click',
    help: 'Postbacks waiting in Redis for a click not stored yet (at most UNKNOWN_CLICKID_MAX_WAITING)',
    // Every worker process reads the same set: the cluster's figure is one of them, not their sum.
    aggregator: 'max',
    registers: [metrics.registry],
    async collect() {
      this.set(await count());
    },
  });
}

/** Times every request; the route label is the matched route pattern, never the raw path. */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const matched = req.route as { path: string } | undefined;
      const route = matched ? `${req.baseUrl}${matched.path}` : 'unmatched';
      const status = String(res.statusCode);
      end({ method: req.method, route, status });
      if (route === '/postback') metrics.postbacksReceived.inc({ code: status });
    });
    next();
  };
}

/** `GET /metrics` in Prometheus text format. */
export function metricsRoute(metrics: Metrics, text: () => Promise<string> = () => metrics.registry.metrics()): Router {
  const router = createRouter();
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await text());
  });
  return router;
}
