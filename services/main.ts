import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../shared/config/config.js';
import { describeRedis, redactUrl } from '../shared/queue/redis.js';
import { describeRedisDurability, redisAnswers, startLocalRedis } from './local-redis.js';

/**
 * `npm start`: the receiver, the worker and the report service as three child
 * processes on the embedded store, with Redis from REDIS_URL, or a private
 * redis-server when nothing answers there. Any child ending ends them all.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const say = (line: string): void => void process.stderr.write(`convtrack: ${line}\n`);
  let redis: ChildProcess | null = null;
  if (config.redis.cluster) {
    // A cluster is the operator's: each service checks every node's durability as it starts.
    say(`Redis: ${describeRedis(config.redis)}`);
  } else if (!(await redisAnswers(config.redis.url))) {
    redis = startLocalRedis(config.redis.url, join(config.dataDir, 'redis'));
    if (!redis) {
      say(`no Redis answers at ${redactUrl(config.redis.url)} and no local redis-server can be started.`);
      say(
        'Install Redis ≥ 6.2 (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), or set REDIS_URL, or run `docker compose up`.',
      );
      process.exit(1);
    }
    say(`started a private redis-server for ${redactUrl(config.redis.url)} (files in ${join(config.dataDir, 'redis')})`);
    await waitUntil(() => redisAnswers(config.redis.url), 10_000);
  }
  if (!config.redis.cluster) say(`Redis ${redactUrl(config.redis.url)}: ${await describeRedisDurability(config.redis.url)}`);
  say(
    `data in ${resolve(config.dataDir)}; ${config.store.mongoUrl ? 'store: MongoDB' : `embedded store: ${resolve(config.store.sqlitePath)}`}`,
  );
  say(`postback URL for networks: ${config.receiver.publicUrl}/postback?clickid={clickid}&sum={sum}`);
  const report = `http://localhost:${config.report.port}`;
  say(`console: ${report}/  (sign in with the API key the report service prints below)`);
  say(`API docs: ${report}/api/docs   queue dashboard: ${report}/admin/queues`);

  const here = fileURLToPath(new URL('.', import.meta.url));
  const children = ['receiver', 'worker', 'report'].map((service) =>
    spawn(process.execPath, [...process.execArgv, join(here, service, `main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`)], {
      stdio: 'inherit',
    }),
  );
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.all(children.map((child) => ended(child, 'SIGTERM')));
    if (redis) await ended(redis, 'SIGTERM');
    process.exit(code);
  };
  for (const child of children) child.once('exit', (code) => void stop(code === 0 ? 0 : 1));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(0));
}

function ended(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`convtrack: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
});
