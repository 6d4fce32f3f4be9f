import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Response } from 'express';

const here = dirname(fileURLToPath(import.meta.url));
const PUBLIC = join(here, 'public');
const require = createRequire(import.meta.url);
const UPLOT = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

/** The files a page may load from the installed uPlot package: nothing else of node_modules is served. */
const VENDOR: Record<string, string> = {
  'uPlot.iife.min.js': join(UPLOT, 'uPlot.iife.min.js'),
  'uPlot.min.css': join(UPLOT, 'uPlot.min.css'),
};

export interface ConsoleOptions {
  /** The receiver's public base URL: the postback tester sends its test postback there. */
  receiverUrl: string;
}

/**
 * The operator console: static files only (the page, its scripts, its styles, the
 * charting library from the installed package). They hold no data; everything the
 * console shows it reads from `/api` with the signed-in session, like any client.
 * Strict headers: scripts and styles only from here, no framing, no referrer.
 */
export function consoleRouter({ receiverUrl }: ConsoleOptions): Router {
  const receiver = safeOrigin(receiverUrl);
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${receiver ? ` ${receiver}` : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
  const secure = (res: Response): void => {
    res.setHeader('Content-Security-Policy', policy);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
  };
  const router = Router();
  router.get('/', (_req, res) => {
    secure(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(PUBLIC, 'index.html'));
  });
  router.get('/console/vendor/:file', (req, res, next) => {
    const file = VENDOR[req.params.file];
    if (!file) {
      next();
      return;
    }
    secure(res);
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.sendFile(file);
  });
  router.use(
    '/console',
    express.static(PUBLIC, {
      index: false,
      fallthrough: true,
      setHeaders: (res) => {
        secure(res);
        res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
  return router;
}

function safeOrigin(url: string): string | null {
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}
