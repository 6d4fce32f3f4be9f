import type { Logger } from '../logging/logger.js';
import { errorFields } from '../logging/error-fields.js';

/** Something to close at shutdown, named for the log. */
export interface Closable {
  name: string;
  close: () => Promise<unknown>;
}

/**
 * On SIGTERM or SIGINT, closes `closables` in the order given (list them in reverse
 * order of opening: HTTP first, connections last), then exits. Past `timeoutMs` it
 * exits anyway with code 1.
 */
export function onShutdown(logger: Logger, timeoutMs: number, closables: Closable[]): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    closing ??= (async () => {
      logger.info('shutting down', { timeoutMs });
      const timer = setTimeout(() => {
        logger.error('shutdown timed out', { timeoutMs });
        process.exit(1);
      }, timeoutMs);
      timer.unref();
      for (const { name, close } of closables) {
        try {
          await close();
        } catch (err) {
          logger.warn('close failed', { name, err: errorFields(err) });
        }
      }
      clearTimeout(timer);
      logger.info('stopped');
    })();
    return closing;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void shutdown().then(() => process.exit(0));
    });
  }
  return shutdown;
}
