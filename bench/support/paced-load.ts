import { Agent, request } from 'node:http';

export interface PacedResult {
  sent: number;
  ok: number;
  failed: number;
}

/**
 * GETs at an even rate: every 5 ms, the requests due by then are sent over a pool of
 * keep-alive connections, whether or not earlier ones were answered. autocannon's
 * `overallRate` sends each second's quota as fast as it is answered at the start of
 * the second, so at "2,000/s" the pipeline sees a 2,000-request burst every second
 * and latency measures those bursts; this measures a steady rate.
 */
export async function pacedLoad(options: {
  port: number;
  rate: number;
  seconds: number;
  connections: number;
  path: () => string;
}): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const result: PacedResult = { sent: 0, ok: 0, failed: 0 };
  const total = Math.round(options.rate * options.seconds);
  const started = performance.now();
  let outstanding = 0;
  await new Promise<void>((resolve) => {
    const settle = (ok: boolean): void => {
      outstanding--;
      if (ok) result.ok++;
      else result.failed++;
      if (result.sent === total && outstanding === 0) resolve();
    };
    const send = (): void => {
      result.sent++;
      outstanding++;
      const req = request({ host: '127.0.0.1', port: options.port, path: options.path(), agent }, (res) => {
        res.resume();
        res.on('end', () => settle((res.statusCode ?? 0) < 300));
      });
      req.on('error', () => settle(false));
      req.end();
    };
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * options.rate));
      while (result.sent < due) send();
      if (result.sent === total) clearInterval(tick);
    }, 5);
  });
  agent.destroy();
  return result;
}
