import { spawn } from 'node:child_process';

/** One real service process (services/<name>/main.ts) started by a test. */
export interface ServiceProcess {
  /** Where it listens, from its own start-up line. */
  url: string;
  /** Its JSON log lines so far. */
  lines(): Array<Record<string, unknown>>;
  output(): string;
  stop(): Promise<void>;
}

const STARTED: Record<'receiver' | 'worker' | 'report', string> = {
  receiver: 'receiver listening',
  worker: 'worker started',
  report: 'report service listening',
};

/** Starts the service on port 0 with `env` and resolves once it has said it listens and answers /readyz. */
export async function startServiceProcess(service: 'receiver' | 'worker' | 'report', env: Record<string, string>): Promise<ServiceProcess> {
  const portVariable = { receiver: 'RECEIVER_PORT', worker: 'WORKER_PORT', report: 'REPORT_PORT' }[service];
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${service}/main.ts`], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env, [portVariable]: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const lines = (): Array<Record<string, unknown>> =>
    output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const until = Date.now() + 30_000;
  for (;;) {
    const port = lines().find((line) => line.message === STARTED[service])?.port;
    if (typeof port === 'number') {
      const url = `http://127.0.0.1:${String(port)}`;
      const ready = await fetch(`${url}/readyz`).then(
        (res) => res.ok,
        () => false,
      );
      if (ready)
        return {
          url,
          lines,
          output: () => output,
          stop: async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            await new Promise<void>((resolve) => {
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            });
          },
        };
    }
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`${service} did not start:\n${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
