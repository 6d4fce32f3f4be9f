import type { Redis } from 'ioredis';

/** Resolves once Redis answers PING; rejects with a plain message after `timeoutMs`. */
export async function waitForRedis(redis: Redis, url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (redis.status === 'ready') {
        await redis.ping();
        return;
      }
    } catch {
      // not there yet
    }
    if (Date.now() > until) throw new Error(`Redis at ${redactUrl(url)} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
