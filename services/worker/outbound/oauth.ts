import { createHash } from 'node:crypto';
import { send, SendError } from './http-send.js';

/** OAuth 2.0 access tokens from refresh tokens, cached until shortly before they expire. */
export interface TokenSource {
  /** An access token from `url` for the refresh-token grant `form` (client id, secret, refresh token, scope). */
  get(url: string, form: Record<string, string>): Promise<string>;
}

/** Renew this long before the platform's expiry, so a token never dies in flight. */
const MARGIN_MS = 60_000;

/**
 * One cache per process, keyed by a hash of the URL and the grant (never the secrets
 * themselves): channels that share credentials share a token, and changed credentials
 * get a new one. A refused grant (4xx) is permanent: retrying will not mend a revoked
 * refresh token. Concurrent requests for one grant share one exchange.
 */
export function createTokenSource(timeoutMs: number, now: () => number = Date.now): TokenSource {
  const cache = new Map<string, { token: string; expiresAt: number }>();
  const pending = new Map<string, Promise<string>>();
  const exchange = async (key: string, url: string, form: Record<string, string>): Promise<string> => {
    const body = new URLSearchParams({ ...form, grant_type: 'refresh_token' }).toString();
    const response = await send(
      { method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'convtrack' }, body },
      { timeoutMs, trusted: true },
    );
    let parsed: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
    try {
      parsed = JSON.parse(response.body) as typeof parsed;
    } catch {
      // described below
    }
    if (response.status < 200 || response.status >= 300 || typeof parsed.access_token !== 'string') {
      const why = [parsed.error, parsed.error_description].filter((v) => typeof v === 'string').join(': ') || `HTTP ${response.status}`;
      throw new SendError(`the OAuth server refused the refresh token (${why})`, response.status >= 400 && response.status < 500);
    }
    const seconds = typeof parsed.expires_in === 'number' ? parsed.expires_in : 3600;
    cache.set(key, { token: parsed.access_token, expiresAt: now() + seconds * 1000 - MARGIN_MS });
    return parsed.access_token;
  };
  return {
    get(url, form) {
      const key = createHash('sha256').update(url).update('\u0000').update(JSON.stringify(form)).digest('hex');
      const cached = cache.get(key);
      if (cached && cached.expiresAt > now()) return Promise.resolve(cached.token);
      let running = pending.get(key);
      if (!running) {
        running = exchange(key, url, form).finally(() => pending.delete(key));
        pending.set(key, running);
      }
      return running;
    },
  };
}
