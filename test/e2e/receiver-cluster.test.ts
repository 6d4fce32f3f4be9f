import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { tempDir, uniquePrefix } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

describe('RECEIVER_PROCESSES: several receiver processes on one port', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let dir: ReturnType<typeof tempDir>;
  let child: ChildProcess;
  let output = '';
  const listening = (): Array<{ port: number; pid: number }> =>
    output
      .split('\n')
      .filter((l) => l.includes('"receiver listening"'))
      .map((l) => JSON.parse(l) as { port: number; pid: number });

  before(async () => {
    redis = await startTestRedis();
    dir = tempDir();
    child = spawn(process.execPath, ['--import', 'tsx', 'services/receiver/main.ts'], {
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        REDIS_URL: redis.url,
        QUEUE_PREFIX: uniquePrefix(),
        SQLITE_PATH: join(dir.path, 'store.db'),
        DATA_DIR: dir.path,
        RECEIVER_PORT: '0',
        RECEIVER_PROCESSES: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor('two receivers listening', () => listening().length >= 2, 30_000);
  });
  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await redis.stop();
    dir.remove();
  });

  it('when postbacks arrive on new connections, then both processes answer, and /metrics on either counts them all', async () => {
    const [first, second] = listening();
    expect(first?.port).to.equal(second?.port);
    expect(first?.pid).not.to.equal(second?.pid);
    const url = `http://127.0.0.1:${first?.port}`;
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${url}/postback?clickid=c${i}&sum=1`, { headers: { connection: 'close' } });
      expect(res.status).to.equal(200);
    }
    for (let i = 0; i < 4; i++) {
      const text = await (await fetch(`${url}/metrics`, { headers: { connection: 'close' } })).text();
      expect(/convtrack_postbacks_received_total\{code="200",service="receiver"\} (\d+)/.exec(text)?.[1]).to.equal('40');
    }
  });

  it('when a receiver process dies, then another takes its place; on SIGTERM they all stop cleanly', async () => {
    const victim = listening()[0]?.pid as number;
    process.kill(victim, 'SIGKILL');
    await waitFor('a third receiver to start', () => listening().length >= 3, 30_000);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
    for (const { pid } of listening().slice(1)) expect(() => process.kill(pid, 0), `process ${pid} still runs`).to.throw();
  });
});
