import { Router } from 'express';
import type { Logger } from '../logging/logger.js';
import { errorFields } from '../logging/error-fields.js';

/** A named check for /readyz; it throws or rejects when the dependency is not usable. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<unknown>;
}

/**
 * `/healthz` (the process answers) and `/readyz` (its dependencies answer too).
 * `/readyz` is open to probes, so it names the dependency that is down and keeps the
 * error text (hosts, ports, driver messages) for the log.
 */
export function healthRoutes(checks: ReadinessCheck[], logger?: Logger): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2000);
          return [name, 'ok'] as const;
        } catch (err) {
          logger?.warn('dependency not ready', { dependency: name, err: errorFields(err) });
          return [name, 'down'] as const;
        }
      }),
    );
    const ok = results.every(([, state]) => state === 'ok');
    res.status(ok ? 200 : 503).json({ ok, checks: Object.fromEntries(results) });
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
