import winston from 'winston';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: string;
  /** The service or process, e.g. `receiver`; every line carries it. */
  service: string;
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  stream?: NodeJS.WritableStream;
}

/** JSON lines, one per event: a constant message plus a metadata object. */
export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console();
  return winston.createLogger({
    level: options.level,
    defaultMeta: { service: options.service },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    // winston declares its transports as interfaces over TransportStream; these are its own classes.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- see above
    transports: [transport],
  });
}
