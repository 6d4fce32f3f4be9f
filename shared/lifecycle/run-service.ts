import { type Config, ConfigError, loadConfig } from '../config/config.js';
import { errorFields } from '../logging/error-fields.js';
import { createLogger, type Logger } from '../logging/logger.js';

/** A reason not to start that the operator can fix; said in one line, without a stack. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * The common start of every `main.ts`: config (a bad one exits 1 listing every
 * problem), the logger, a fatal-error exit for whatever `start` throws, and a log
 * line for every error nothing else caught.
 */
export function runService(service: string, start: (config: Config, logger: Logger) => Promise<void>): void {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`convtrack ${service}: ${err.message}\n`);
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel, service });
  // A stray rejection is logged and the service goes on: the work it belonged to has
  // its own error path (job retries, 5xx), and restarting would drop work in flight.
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { err: errorFields(reason) }));
  process.on('uncaughtException', (err) => {
    logger.error('uncaught exception', { err: errorFields(err) });
    process.exit(1);
  });
  start(config, logger).catch((err: unknown) => {
    // A reason not to start is one line for the operator, not a log record as well.
    if (err instanceof StartupError) process.stderr.write(`convtrack ${service}: ${err.message}\n`);
    else logger.error('could not start', { err: errorFields(err) });
    process.exit(1);
  });
}
