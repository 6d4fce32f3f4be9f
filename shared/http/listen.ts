import { createServer, type RequestListener, type Server } from 'node:http';
import type { PortRange } from '../config/parse.js';

/** Starts listening and resolves once the port is bound (rejects when it cannot be, e.g. EADDRINUSE). */
export function listen(handler: RequestListener, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Listens on the first port of `range` that is free, so several workers on one host
 * each find one; rejects with the last port's error (EADDRINUSE) when none is.
 */
export async function listenInRange(handler: RequestListener, range: PortRange): Promise<Server> {
  for (let port = range.first; ; port++) {
    try {
      return await listen(handler, port);
    } catch (err) {
      if (port >= range.last || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
}

/** The port a server is bound to: the one asked for, or the one the OS picked for port 0. */
export function boundPort(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Stops accepting, lets requests in flight finish, drops idle keep-alive sockets. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  });
}
