import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SunkRequest {
  at: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpSink {
  /** `http://127.0.0.1:<port>` */
  base: string;
  requests: SunkRequest[];
  /** How to answer request number `n` (0-based); 200 by default. */
  respond: (n: number, req: SunkRequest) => { status: number; delayMs?: number; body?: string };
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server on loopback standing in for a traffic channel or an ad platform. */
export async function startHttpSink(): Promise<HttpSink> {
  const sink = { requests: [] as SunkRequest[], respond: () => ({ status: 200 }) } as unknown as HttpSink;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const entry: SunkRequest = { at: Date.now(), method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      const n = sink.requests.push(entry) - 1;
      const answer = sink.respond(n, entry);
      setTimeout(() => {
        res.statusCode = answer.status;
        res.end(answer.body ?? (answer.status < 300 ? 'OK' : 'temporarily down'));
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.waitFor = async (count, timeoutMs = 10_000) => {
    const until = Date.now() + timeoutMs;
    while (sink.requests.length < count) {
      if (Date.now() > until) throw new Error(`expected ${count} requests, got ${sink.requests.length}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  sink.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return sink;
}
