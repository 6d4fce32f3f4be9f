import { type Config, ConfigError, loadConfig } from '../config/config.js';
import { createLogger, type Logger } from '../logging/logger.js';

/**
 * The common start of every `main.ts`: config (a bad one exits 1 listing every
 * problem), the logger, and a fatal-error exit for whatever `start` throws.
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
  start(config, logger).catch((err: unknown) => {
    logger.error('could not start', { err: err instanceof Error ? err : String(err) });
    process.exit(1);
  });
}
