import Joi from 'joi';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import type { ApiDeps } from './api-deps.js';
import { route, type ApiRoute } from './route-table.js';
import { sameSecret, sessionId, setSessionCookie, type Sessions } from './session.js';
import { iso } from './http.js';

const signInBody = Joi.object<{ api_key: string }>({ api_key: Joi.string().min(1).max(500).required() });

/** A wrong key is answered after this long, so guessing one is slow. */
const WRONG_KEY_DELAY_MS = 300;

export interface SessionDeps extends Pick<ApiDeps, 'publicUrl' | 'journeyTypeLimit' | 'accountCurrency'> {
  apiKey: string;
  sessions: Sessions;
}

/**
 * The console's sign-in, with the API key (docs/console.md says why): `POST` trades
 * the key for a session cookie, `GET` tells the signed-in caller its CSRF token and
 * what the console shows of the account, `DELETE` signs out. The key itself never
 * reaches the browser's storage.
 */
export function sessionRoutes({ apiKey, sessions, publicUrl, journeyTypeLimit, accountCurrency }: SessionDeps): ApiRoute[] {
  const account = { currency: accountCurrency, journey_type_limit: journeyTypeLimit, public_url: publicUrl };
  return [
    route({
      method: 'post',
      path: '/session',
      summary: 'Sign in to the console with the API key: sets an HttpOnly, SameSite=Strict session cookie',
      auth: 'none',
      status: 201,
      body: signInBody,
      handler: async ({ req, res, body }) => {
        if (!sameSecret(body.api_key, apiKey)) {
          await new Promise((resolve) => setTimeout(resolve, WRONG_KEY_DELAY_MS));
          throw new AppError(ErrorCodes.UNAUTHORIZED, 'that is not the API key', {
            httpStatus: 401,
            details: [{ field: 'api_key', message: 'that is not the API key' }],
          });
        }
        const { id, session } = await sessions.create();
        setSessionCookie(req, res, id, sessions.times.maxMs);
        return { csrf_token: session.csrf, expires_at: iso(session.expires_at), idle_minutes: sessions.times.idleMs / 60_000, account };
      },
    }),
    route({
      method: 'get',
      path: '/session',
      summary: "The console session: its CSRF token (send it as X-CSRF-Token on changes) and the account's settings the console shows",
      auth: 'api-key',
      status: 200,
      handler: ({ res }) => {
        const session = res.locals.session as { csrf: string; expires_at: number } | undefined;
        return Promise.resolve({
          signed_in_with: session ? 'session' : 'api_key',
          csrf_token: session?.csrf ?? null,
          expires_at: session ? iso(session.expires_at) : null,
          idle_minutes: sessions.times.idleMs / 60_000,
          account,
        });
      },
    }),
    route({
      method: 'delete',
      path: '/session',
      summary: 'Sign out of the console: the session ends on every tab',
      auth: 'api-key',
      status: 204,
      handler: async ({ req, res }) => {
        const id = sessionId(req);
        if (id) await sessions.end(id);
        setSessionCookie(req, res, null);
        return undefined;
      },
    }),
  ];
}
