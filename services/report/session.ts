import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { RedisClient } from '../../shared/queue/redis.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';

/** The console's session cookie: HttpOnly, SameSite=Strict, path `/`, Secure when the request came over https (or a proxy says so). */
export const SESSION_COOKIE = 'convtrack_session';
/** The header a state-changing request made with the session cookie must carry, holding the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionTimes {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  maxMs: number;
}

export const DEFAULT_SESSION_TIMES: SessionTimes = { idleMs: 2 * 3600_000, maxMs: 12 * 3600_000 };

export interface Session {
  csrf: string;
  created_at: number;
  expires_at: number;
}

export interface Sessions {
  times: SessionTimes;
  create(): Promise<{ id: string; session: Session }>;
  /** The live session with this id, its idle time restarted; null when unknown or expired. */
  touch(id: string): Promise<Session | null>;
  end(id: string): Promise<void>;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Console sessions in Redis, so every report service process knows them and they
 * survive a restart of one. Only the id's hash is a key: what Redis holds cannot be
 * replayed as a cookie.
 */
export function redisSessions(redis: RedisClient, prefix: string, times: SessionTimes = DEFAULT_SESSION_TIMES): Sessions {
  const key = (id: string): string => `${prefix}:console-session:${sha256(id)}`;
  const sessions: Sessions = {
    times,
    async create() {
      const id = randomBytes(32).toString('base64url');
      const now = Date.now();
      const session: Session = { csrf: randomBytes(24).toString('base64url'), created_at: now, expires_at: now + times.maxMs };
      await redis.set(key(id), JSON.stringify(session), 'PX', Math.min(times.idleMs, times.maxMs));
      return { id, session };
    },
    async touch(id) {
      const text = await redis.get(key(id));
      if (!text) return null;
      const session = JSON.parse(text) as Session;
      const left = session.expires_at - Date.now();
      if (left <= 0) {
        await redis.del(key(id));
        return null;
      }
      await redis.pexpire(key(id), Math.min(times.idleMs, left));
      return session;
    },
    async end(id) {
      await redis.del(key(id));
    },
  };
  // Redis away (restarting, failing over): a 503 to retry, not a 500; the API key still works meanwhile.
  const unavailable = (cause: unknown) =>
    new AppError(ErrorCodes.QUEUE_UNAVAILABLE, 'console sessions are kept in Redis, which does not answer right now; retry in a moment', {
      httpStatus: 503,
      retryable: true,
      cause,
    });
  return {
    times,
    create: () => sessions.create().catch((err: unknown) => Promise.reject(unavailable(err))),
    touch: (id) => sessions.touch(id).catch((err: unknown) => Promise.reject(unavailable(err))),
    end: (id) => sessions.end(id).catch((err: unknown) => Promise.reject(unavailable(err))),
  };
}

/** The session id the request's cookie carries, if any. */
export function sessionId(req: Request): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=') || null;
  }
  return null;
}

export function setSessionCookie(req: Request, res: Response, id: string | null, maxMs = 0): void {
  // Behind a TLS proxy the request arrives as http: X-Forwarded-Proto says https. Trusting it can only add Secure.
  const https = req.secure || req.headers['x-forwarded-proto'] === 'https';
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(https ? ['Secure'] : [])];
  const value = id ? `${id}; Max-Age=${String(Math.floor(maxMs / 1000))}` : '; Max-Age=0';
  res.append('Set-Cookie', `${SESSION_COOKIE}=${value}; ${attributes.join('; ')}`);
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
export const sameSecret = (given: string, expected: string): boolean => timingSafeEqual(digest(given), digest(expected));

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * What every `/api` route asks for: `Authorization: Bearer <API_KEY>` (programs), or
 * the console's session cookie (a person signed in). A request that changes
 * something with the cookie must also carry the session's CSRF token in
 * `X-CSRF-Token`: a page on another site can make the browser send the cookie, never
 * read the token. A key in the query string is refused on purpose: it would end up in
 * proxy and access logs.
 */
export function requireCredentials(apiKey: string, sessions: Sessions): RequestHandler {
  // The key's digest once, not on every request.
  const expected = digest(apiKey);
  return (req, res, next) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (bearer?.[1] && timingSafeEqual(digest(bearer[1]), expected)) {
      next();
      return;
    }
    const id = bearer ? null : sessionId(req);
    if (!id) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="convtrack"');
      next(
        new AppError(ErrorCodes.UNAUTHORIZED, 'send the API key as "Authorization: Bearer <API_KEY>", or sign in to the console', {
          httpStatus: 401,
        }),
      );
      return;
    }
    sessions.touch(id).then((session) => {
      if (!session) {
        setSessionCookie(req, res, null);
        next(new AppError(ErrorCodes.UNAUTHORIZED, 'the console session has ended: sign in again', { httpStatus: 401 }));
        return;
      }
      const token = req.headers[CSRF_HEADER];
      if (!SAFE_METHODS.has(req.method) && (typeof token !== 'string' || !sameSecret(token, session.csrf))) {
        next(
          new AppError(
            ErrorCodes.FORBIDDEN,
            `a change made with the session cookie must carry the session's CSRF token in ${CSRF_HEADER}`,
            {
              httpStatus: 403,
            },
          ),
        );
        return;
      }
      res.locals.session = { id, ...session };
      next();
    }, next);
  };
}
