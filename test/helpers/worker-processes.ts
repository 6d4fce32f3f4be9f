import { spawn, type ChildProcess } from 'node:child_process';

export interface WorkerProcesses {
  /** Starts worker `i` (again) and resolves once it answers /readyz. */
  start(i: number): Promise<void>;
  /** SIGKILLs worker `i`: no shutdown, jobs in flight are left mid-way. */
  kill(i: number): Promise<void>;
  stopAll(): Promise<void>;
  output: () => string;
}

/** `count` real worker processes (services/worker/main.ts) on the given environment. */
export function workerProcesses(count: number, env: Record<string, string>): WorkerProcesses {
  const children: Array<ChildProcess | null> = Array.from({ length: count }, () => null);
  let output = '';
  const start = async (i: number): Promise<void> => {
    // Port 0: the worker picks a free port and says which, so two starting at once never collide.
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/worker/main.ts'], {
      env: { ...process.env, LOG_LEVEL: 'info', ...env, WORKER_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let mine = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      mine += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    children[i] = child;
    const until = Date.now() + 30_000;
    for (;;) {
      const started = /"message":"worker started"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"message":"worker started"/.exec(mine);
      const port = started ? Number(started[1] ?? started[2]) : null;
      try {
        if (port && (await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
      } catch {
        // not up yet
      }
      if (child.exitCode !== null || Date.now() > until) throw new Error(`worker ${i} did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async (i: number, signal: NodeJS.Signals): Promise<void> => {
    const child = children[i];
    children[i] = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  };
  return {
    start,
    kill: (i) => stop(i, 'SIGKILL'),
    stopAll: async () => {
      await Promise.all(children.map((_, i) => stop(i, 'SIGTERM')));
    },
    output: () => output,
  };
}

/**
 * Kills worker 0 or 1 in turn every 0.3-0.8 s (SIGKILL, so jobs in flight are cut
 * mid-way) and restarts it, until `stop()` is called and at least `minimum` kills
 * happened. `stop` resolves with the number of kills.
 */
export function keepKilling(workers: WorkerProcesses, minimum = 5): { stop(): Promise<number> } {
  let kills = 0;
  const state = { running: true };
  const loop = (async () => {
    while (state.running || kills < minimum) {
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 500));
      const victim = kills % 2;
      await workers.kill(victim);
      kills++;
      await workers.start(victim);
    }
  })();
  return {
    stop: async () => {
      state.running = false;
      await loop;
      return kills;
    },
  };
}
