import { isIP } from 'node:net';
import Joi from 'joi';
import { parseCurrencyCode } from '../domain/fx.js';
import { parseClusterNodes, parsePortRange } from './parse.js';

const port = Joi.number().integer().min(0).max(65535);

/** The environment as convtrack reads it (specification §9). One description per key. */
/** Days a kind of raw row is kept: 0 (forever) or at least `min`. */
function retentionDays(min: number): Joi.NumberSchema {
  return Joi.number()
    .integer()
    .min(0)
    .custom((days: number, helpers) => (days > 0 && days < min ? helpers.error('any.invalid') : days))
    .messages({ 'any.invalid': `{{#label}} must be 0 (keep forever) or at least ${min} days` });
}

export const configSchema = Joi.object({
  NODE_ENV: Joi.string()
    .valid('development', 'production', 'test')
    .default('development')
    .description('development, production or test; production requires API_KEY'),
  LOG_LEVEL: Joi.string().valid('error', 'warn', 'info', 'debug').default('info').description('winston log level'),
  REDIS_URL: Joi.string()
    .uri({ scheme: ['redis', 'rediss'] })
    .default('redis://127.0.0.1:6379')
    .description("the queue's Redis"),
  REDIS_CLUSTER_NODES: Joi.string()
    .custom((text: string, helpers) => (parseClusterNodes(text) ? text : helpers.error('any.invalid')))
    .messages({ 'any.invalid': 'must be host:port[,host:port…] (entries may be redis:// or rediss:// URLs carrying the password)' })
    .description('host:port,…: use a Redis Cluster (these nodes or some of them) instead of REDIS_URL'),
  REDIS_MIN_REPLICAS_ACK: Joi.number()
    .integer()
    .min(0)
    .max(16)
    .default(0)
    .description('answer a postback 200 only once this many replicas have its job (Redis WAIT); 503 when they do not in time'),
  REDIS_REPLICA_ACK_TIMEOUT_MS: Joi.number()
    .integer()
    .min(10)
    .max(60_000)
    .default(1000)
    .description('how long the receiver waits for REDIS_MIN_REPLICAS_ACK replicas before it answers 503'),
  QUEUE_PREFIX: Joi.string()
    .pattern(/^[^:\s]+$/)
    .default('{convtrack}')
    .when('REDIS_CLUSTER_NODES', {
      is: Joi.exist(),
      then: Joi.string()
        .custom((text: string, helpers) => (/\{[^{}]+\}/.test(text) ? text : helpers.error('any.hashTag', { example: '{convtrack}' })))
        .messages({ 'any.hashTag': 'must hold a hash tag such as {#example} on a Redis Cluster, so that each queue’s keys share a slot' }),
    })
    .description('BullMQ key prefix; a {hash tag} keeps a queue on one Redis Cluster slot'),
  MONGO_URL: Joi.string()
    .uri({ scheme: ['mongodb', 'mongodb+srv'] })
    .description('MongoDB; unset means the embedded SQLite store'),
  SQLITE_PATH: Joi.string().default('./data/convtrack.db').description("the embedded store's file"),
  REPORT_COLUMN_COPY: Joi.string()
    .valid('on', 'off')
    .default('on')
    .description('the report service keeps clicks and conversions of the embedded store in memory as columns'),
  DATA_DIR: Joi.string().default('./data').description('local state: generated API key, private Redis'),
  RECEIVER_PORT: port.default(3000).description('postbacks and clicks'),
  REPORT_PORT: port.default(3001).description('/api and /admin/queues'),
  WORKER_PORT: Joi.string()
    .custom((text: string, helpers) => (parsePortRange(text) ? text : helpers.error('any.invalid')))
    .messages({ 'any.invalid': 'must be a port (0: any free one) or a range first-last, e.g. 3002-3011' })
    .default('3002-3011')
    .description("the worker's /healthz, /readyz and /metrics: a port, or a range whose first free port each worker takes"),
  PUBLIC_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .description('the receiver as networks and visitors reach it; default http://localhost:RECEIVER_PORT'),
  API_KEY: Joi.string()
    .min(16)
    .when('NODE_ENV', { is: 'production', then: Joi.required() })
    .description('Bearer key for /api and the dashboard; generated outside production when unset'),
  TRUST_PROXY: Joi.alternatives()
    .try(
      Joi.string().valid('true', 'false'),
      Joi.string().pattern(/^\d+$/),
      Joi.string().custom((text: string, helpers) =>
        text
          .split(',')
          .every((part) => ['loopback', 'linklocal', 'uniquelocal'].includes(part.trim()) || isIP(part.trim().split('/')[0] ?? '') !== 0)
          ? text
          : helpers.error('any.invalid'),
      ),
    )
    .default('false')
    .messages({ 'alternatives.match': 'must be false, true, a hop count, or comma-separated CIDRs / loopback' })
    .description('which proxies may set X-Forwarded-For (the client IP for IP allowlists): false, true, a hop count, or CIDRs/loopback'),
  DASHBOARD_USER: Joi.string().default('admin').description('Basic auth user for /admin/queues'),
  DASHBOARD_PASSWORD: Joi.string().min(12).description('Basic auth password for /admin/queues; the API key when unset'),
  SESSION_IDLE_MINUTES: Joi.number().integer().min(1).max(10_080).default(120).description('a console session unused this long ends'),
  SESSION_MAX_HOURS: Joi.number().integer().min(1).max(720).default(12).description('a console session ends this long after sign-in'),
  JOURNEY_TYPE_LIMIT: Joi.number().integer().min(0).default(2).description('conversion types that may count in the customer journey'),
  ACCOUNT_CURRENCY: Joi.string()
    .custom((code: string, helpers) => (parseCurrencyCode(code) === code ? code : helpers.error('any.invalid')))
    .messages({ 'any.invalid': 'must be an ISO 4217 currency code in use, e.g. USD' })
    .default('USD')
    .description('ISO 4217 code of the account; a postback without currency is in it'),
  FX_RATES_FILE: Joi.string().description(
    'JSON file of exchange rates ({"rates": {"EUR": "1.08"}}) for offline use; rates set over the API win',
  ),
  OUTBOUND_TIMEOUT_MS: Joi.number()
    .integer()
    .min(100)
    .default(10000)
    .description('how long an outbound postback may take before it counts as failed'),
  OUTBOUND_ATTEMPTS: Joi.number().integer().min(1).max(50).default(12).description('attempts per outbound postback before it is failed'),
  OUTBOUND_BACKOFF_MS: Joi.number()
    .integer()
    .min(1)
    .default(60000)
    .description('first retry delay of an outbound postback, doubled each time (12 attempts from 60 s span about 34 hours)'),
  FACEBOOK_GRAPH_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .default('https://graph.facebook.com')
    .description('base URL of the Facebook Graph API (the Conversions API)'),
  FACEBOOK_API_VERSION: Joi.string()
    .pattern(/^v\d+\.\d+$/)
    .default('v21.0')
    .description('Graph API version for the Conversions API'),
  GOOGLE_ADS_API_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .default('https://googleads.googleapis.com')
    .description('base URL of the Google Ads API (REST)'),
  GOOGLE_ADS_API_VERSION: Joi.string()
    .pattern(/^v\d+$/)
    .default('v22')
    .description('Google Ads API version, e.g. v22'),
  GOOGLE_OAUTH_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .default('https://oauth2.googleapis.com/token')
    .description("Google's OAuth 2.0 token endpoint (refresh token to access token)"),
  MICROSOFT_ADS_API_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .default('https://campaign.api.bingads.microsoft.com')
    .description('base URL of the Microsoft Advertising Campaign Management API (REST)'),
  MICROSOFT_OAUTH_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .default('https://login.microsoftonline.com/common/oauth2/v2.0/token')
    .description("Microsoft identity platform's token endpoint"),
  TIKTOK_API_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .default('https://business-api.tiktok.com')
    .description('base URL of the TikTok Business API (Events API 2.0)'),
  UNKNOWN_CLICKID_WINDOW_SECONDS: Joi.number()
    .integer()
    .min(0)
    .default(900)
    .description('how long a postback for a click not yet stored is retried before it is rejected'),
  MAX_PARKED_POSTBACKS: Joi.number().integer().min(0).description('another name for UNKNOWN_CLICKID_MAX_WAITING'),
  UNKNOWN_CLICKID_MAX_WAITING: Joi.number()
    .integer()
    .min(0)
    .description(
      'most postbacks waiting in Redis at once for a click not yet stored (about 1.3 KB each: the default, 75,000, is about 100 MB); past it, such a postback is rejected unknown_clickid at once',
    ),
  RECEIVER_PROCESSES: Joi.number()
    .integer()
    .min(1)
    .max(256)
    .description('receiver processes sharing RECEIVER_PORT (Node cluster); default: one per core in production, else 1'),
  MAX_BACKLOG: Joi.number()
    .integer()
    .min(1)
    .default(200_000)
    .description(
      'postback jobs waiting in Redis beyond which the receiver answers 503 with Retry-After (a job is one postback or a batch of up to 100)',
    ),
  RECEIVER_MAX_IN_FLIGHT: Joi.number()
    .integer()
    .min(1)
    .default(20_000)
    .description('postbacks one receiver process may be writing to Redis at once; beyond them it answers 503 with Retry-After'),
  WORKER_CONCURRENCY: Joi.number()
    .integer()
    .min(1)
    .max(1000)
    .default(64)
    .description('jobs a worker process holds at once; the postbacks and clicks among them are stored in one transaction'),
  JOB_LOCK_MS: Joi.number()
    .integer()
    .min(1000)
    .default(30000)
    .description('how long a job stays locked to its worker; a crashed worker’s jobs run again after about this long'),
  RECOVERY_INTERVAL_MS: Joi.number()
    .integer()
    .min(100)
    .default(30000)
    .description(
      'how often a worker looks for deliveries left queued or retrying whose job will not run (stalled out, failed, lost with Redis) and queues them again',
    ),
  RETENTION_DAYS: retentionDays(7).description(
    'days raw rows are kept, where the three settings below are unset: clicks this long, postback log entries and deliveries this long but at least 15 days (0: forever)',
  ),
  CLICK_RETENTION_DAYS: retentionDays(7).description(
    'days raw clicks are kept (0: forever; else at least 7, and longer than the networks take to post back: a postback for a removed click is unknown_clickid); reports the rollups serve stay exact over older days, the others are refused there',
  ),
  POSTBACK_LOG_RETENTION_DAYS: retentionDays(15).description(
    'days postback log entries are kept (0: forever; else at least 15, past the 14 days a failed job can still be retried)',
  ),
  DELIVERY_RETENTION_DAYS: retentionDays(15).description(
    'days settled deliveries (delivered, failed, not sent) are kept in the delivery log (0: forever; else at least 15)',
  ),
  GEOIP_DB: Joi.string().description(
    "path to an MMDB IP database (MaxMind GeoLite2/GeoIP2 City or Country, DB-IP Lite) for clicks' country, region and city; default: the bundled DB-IP country database",
  ),
  SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(0).default(10000).description('graceful shutdown limit'),
})
  .unknown(true)
  .prefs({ abortEarly: false, convert: true });
