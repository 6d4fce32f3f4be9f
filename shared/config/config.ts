import { availableParallelism } from 'node:os';
import type { ValidationResult } from 'joi';
import { configSchema } from './config.schema.js';
import { parseClusterNodes, parsePortRange, type ClusterNodes, type PortRange } from './parse.js';

/** convtrack's configuration, typed, nested and frozen. */
export interface RetentionDays {
  clicksDays: number;
  postbacksDays: number;
  deliveriesDays: number;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  dataDir: string;
  redis: {
    url: string;
    /** Set: a Redis Cluster, and `url` is not used. */
    cluster: ClusterNodes | null;
    queuePrefix: string;
    /** Replicas that must have a postback's job before it is acknowledged (0: the master's word is enough). */
    minReplicasAck: number;
    replicaAckTimeoutMs: number;
  };
  /** `columnCopy`: the report service's in-memory copy of the embedded store's clicks and conversions. */
  store: { mongoUrl: string | null; sqlitePath: string; columnCopy: boolean };
  receiver: { port: number; publicUrl: string; trustProxy: TrustProxy; processes: number; maxBacklog: number; maxInFlight: number };
  report: {
    port: number;
    apiKey: string | null;
    dashboardUser: string;
    dashboardPassword: string | null;
    /** Console sessions: how long one lasts unused, and at most. */
    session: { idleMs: number; maxMs: number };
  };
  rules: { journeyTypeLimit: number; accountCurrency: string; unknownClickidWindowMs: number; unknownClickidMaxWaiting: number };
  fxRatesFile: string | null;
  outbound: { timeoutMs: number; attempts: number; backoffMs: number; platforms: AdapterUrls };
  /** `geoipDb`: the MMDB file clicks' country, region and city come from (null: the bundled one). */
  worker: { ports: PortRange; concurrency: number; jobLockMs: number; recoveryIntervalMs: number; geoipDb: string | null };
  /** Days raw clicks, postback log entries and settled deliveries are kept; 0: forever. */
  retention: RetentionDays;
  shutdownTimeoutMs: number;
}

/** Express's `trust proxy` value. */
export type TrustProxy = boolean | number | string[];

/** Thrown with every bad variable listed, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

interface RawConfig {
  NODE_ENV: Config['env'];
  LOG_LEVEL: Config['logLevel'];
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: string;
  REDIS_MIN_REPLICAS_ACK: number;
  REDIS_REPLICA_ACK_TIMEOUT_MS: number;
  QUEUE_PREFIX: string;
  MONGO_URL?: string;
  SQLITE_PATH: string;
  REPORT_COLUMN_COPY: 'on' | 'off';
  DATA_DIR: string;
  RECEIVER_PORT: number;
  RECEIVER_PROCESSES?: number;
  MAX_BACKLOG: number;
  RECEIVER_MAX_IN_FLIGHT: number;
  REPORT_PORT: number;
  WORKER_PORT: string;
  PUBLIC_URL?: string;
  TRUST_PROXY: string;
  API_KEY?: string;
  DASHBOARD_USER: string;
  DASHBOARD_PASSWORD?: string;
  SESSION_IDLE_MINUTES: number;
  SESSION_MAX_HOURS: number;
  JOURNEY_TYPE_LIMIT: number;
  ACCOUNT_CURRENCY: string;
  UNKNOWN_CLICKID_WINDOW_SECONDS: number;
  UNKNOWN_CLICKID_MAX_WAITING?: number;
  MAX_PARKED_POSTBACKS?: number;
  GEOIP_DB?: string;
  FX_RATES_FILE?: string;
  OUTBOUND_TIMEOUT_MS: number;
  OUTBOUND_ATTEMPTS: number;
  OUTBOUND_BACKOFF_MS: number;
  FACEBOOK_GRAPH_URL: string;
  FACEBOOK_API_VERSION: string;
  GOOGLE_ADS_API_URL: string;
  GOOGLE_ADS_API_VERSION: string;
  GOOGLE_OAUTH_URL: string;
  MICROSOFT_ADS_API_URL: string;
  MICROSOFT_OAUTH_URL: string;
  TIKTOK_API_URL: string;
  WORKER_CONCURRENCY: number;
  JOB_LOCK_MS: number;
  RECOVERY_INTERVAL_MS: number;
  RETENTION_DAYS?: number;
  CLICK_RETENTION_DAYS?: number;
  POSTBACK_LOG_RETENTION_DAYS?: number;
  DELIVERY_RETENTION_DAYS?: number;
  SHUTDOWN_TIMEOUT_MS: number;
}

/** Validates the environment; empty strings count as unset. */
/** Where the ad platforms' APIs are (a local server stands in for each in tests). */
export interface AdapterUrls {
  facebookGraphUrl: string;
  facebookApiVersion: string;
  googleAdsApiUrl: string;
  googleAdsApiVersion: string;
  googleOauthUrl: string;
  microsoftAdsApiUrl: string;
  microsoftOauthUrl: string;
  tiktokApiUrl: string;
}

const bare = (url: string): string => url.replace(/\/+$/, '');

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = configSchema.validate(present) as ValidationResult<RawConfig>;
  if (result.error) {
    throw new ConfigError(
      result.error.details.map(
        (d) => `${d.path.join('.')}: ${d.message.replace(/^"[^"]+" /, '')} (got ${JSON.stringify(d.context?.value)})`,
      ),
    );
  }
  const raw = result.value;
  return deepFreeze({
    env: raw.NODE_ENV,
    logLevel: raw.LOG_LEVEL,
    dataDir: raw.DATA_DIR,
    redis: {
      url: raw.REDIS_URL,
      cluster: raw.REDIS_CLUSTER_NODES === undefined ? null : parseClusterNodes(raw.REDIS_CLUSTER_NODES),
      queuePrefix: raw.QUEUE_PREFIX,
      minReplicasAck: raw.REDIS_MIN_REPLICAS_ACK,
      replicaAckTimeoutMs: raw.REDIS_REPLICA_ACK_TIMEOUT_MS,
    },
    store: { mongoUrl: raw.MONGO_URL ?? null, sqlitePath: raw.SQLITE_PATH, columnCopy: raw.REPORT_COLUMN_COPY === 'on' },
    receiver: {
      port: raw.RECEIVER_PORT,
      publicUrl: (raw.PUBLIC_URL ?? `http://localhost:${raw.RECEIVER_PORT}`).replace(/\/+$/, ''),
      trustProxy: parseTrustProxy(raw.TRUST_PROXY),
      processes: raw.RECEIVER_PROCESSES ?? (raw.NODE_ENV === 'production' ? availableParallelism() : 1),
      maxBacklog: raw.MAX_BACKLOG,
      maxInFlight: raw.RECEIVER_MAX_IN_FLIGHT,
    },
    report: {
      port: raw.REPORT_PORT,
      apiKey: raw.API_KEY ?? null,
      dashboardUser: raw.DASHBOARD_USER,
      dashboardPassword: raw.DASHBOARD_PASSWORD ?? null,
      session: { idleMs: raw.SESSION_IDLE_MINUTES * 60_000, maxMs: raw.SESSION_MAX_HOURS * 3_600_000 },
    },
    rules: {
      journeyTypeLimit: raw.JOURNEY_TYPE_LIMIT,
      accountCurrency: raw.ACCOUNT_CURRENCY,
      unknownClickidWindowMs: raw.UNKNOWN_CLICKID_WINDOW_SECONDS * 1000,
      unknownClickidMaxWaiting: raw.UNKNOWN_CLICKID_MAX_WAITING ?? raw.MAX_PARKED_POSTBACKS ?? 75_000,
    },
    fxRatesFile: raw.FX_RATES_FILE ?? null,
    outbound: {
      timeoutMs: raw.OUTBOUND_TIMEOUT_MS,
      attempts: raw.OUTBOUND_ATTEMPTS,
      backoffMs: raw.OUTBOUND_BACKOFF_MS,
      platforms: {
        facebookGraphUrl: bare(raw.FACEBOOK_GRAPH_URL),
        facebookApiVersion: raw.FACEBOOK_API_VERSION,
        googleAdsApiUrl: bare(raw.GOOGLE_ADS_API_URL),
        googleAdsApiVersion: raw.GOOGLE_ADS_API_VERSION,
        googleOauthUrl: raw.GOOGLE_OAUTH_URL,
        microsoftAdsApiUrl: bare(raw.MICROSOFT_ADS_API_URL),
        microsoftOauthUrl: raw.MICROSOFT_OAUTH_URL,
        tiktokApiUrl: bare(raw.TIKTOK_API_URL),
      },
    },
    worker: {
      ports: parsePortRange(raw.WORKER_PORT) ?? { first: 0, last: 0 },
      concurrency: raw.WORKER_CONCURRENCY,
      jobLockMs: raw.JOB_LOCK_MS,
      recoveryIntervalMs: raw.RECOVERY_INTERVAL_MS,
      geoipDb: raw.GEOIP_DB ?? null,
    },
    retention: {
      // RETENTION_DAYS (the one setting of earlier notes) stands in for any left unset, the logs kept at least their 15 days.
      clicksDays: raw.CLICK_RETENTION_DAYS ?? raw.RETENTION_DAYS ?? 0,
      postbacksDays: raw.POSTBACK_LOG_RETENTION_DAYS ?? (raw.RETENTION_DAYS ? Math.max(raw.RETENTION_DAYS, 15) : 0),
      deliveriesDays: raw.DELIVERY_RETENTION_DAYS ?? (raw.RETENTION_DAYS ? Math.max(raw.RETENTION_DAYS, 15) : 0),
    },
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
  });
}

function parseTrustProxy(text: string): TrustProxy {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  return text.split(',').map((part) => part.trim());
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}
