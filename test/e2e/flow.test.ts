import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort } from '../helpers/free-port.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { tempDir, uniquePrefix } from '../helpers/temp.js';

const API_KEY = 'e2e-api-key-0123456789';

describe('end to end: npm start, then click → postback → conversion → report', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let child: ChildProcess;
  let output = '';
  let receiver: string;
  let report: string;

  const api = async (method: string, path: string, body?: object): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${report}/api${path}`, {
      method,
      headers: { Authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };

  before(async () => {
    dir = tempDir();
    const [receiverPort, reportPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    receiver = `http://127.0.0.1:${receiverPort}`;
    report = `http://127.0.0.1:${reportPort}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'services/main.ts'], {
      env: {
        ...process.env,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: uniquePrefix(),
        SQLITE_PATH: join(dir.path, 'convtrack.db'),
        DATA_DIR: dir.path,
        RECEIVER_PORT: String(receiverPort),
        REPORT_PORT: String(reportPort),
        WORKER_PORT: String(workerPort),
        PUBLIC_URL: receiver,
        API_KEY,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const ready = async (base: string) => (await fetch(`${base}/readyz`)).ok;
    await waitFor(
      async () => (await ready(receiver)) && (await ready(report)) && (await ready(`http://127.0.0.1:${workerPort}`)),
      30_000,
      () => output,
    );
  });

  after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    dir.remove();
  });

  it('when a visitor clicks and the network posts back, then the conversion shows in the log and the report', async () => {
    const source = await api('POST', '/offer-sources', { name: 'Network', default_status: 'pending' });
    expect(source.status).to.equal(201);
    const offer = await api('POST', '/offers', {
      name: 'Offer',
      url: 'https://offer.example/?cid={clickid}',
      offer_source_id: source.body.id,
      payout: 12.5,
    });
    const channel = await api('POST', '/traffic-channels', { name: 'Channel' });
    const campaign = await api('POST', '/campaigns', { name: 'Campaign', traffic_channel_id: channel.body.id, offer_id: offer.body.id });
    expect(campaign.status).to.equal(201);

    const click = await fetch(`${String(campaign.body.click_url)}?sub1=banner`, { redirect: 'manual' });
    expect(click.status).to.equal(302);
    const clickid = new URL(click.headers.get('location') as string).searchParams.get('cid') as string;

    const postback = await fetch(`${receiver}/postback?clickid=${clickid}&sum=7.25&status=approved`);
    expect(postback.status).to.equal(200);
    const { id } = (await postback.json()) as { id: string };

    const conversions = await waitFor(async () => {
      const res = await api('GET', `/conversions?clickid=${clickid}`);
      return res.body.items.length > 0 ? res.body.items : null;
    }, 15_000);
    expect(conversions[0]).to.include({ clickid, status: 'approved', payout: 7.25, type: null });
    expect(conversions[0].postback_ids).to.deep.equal([id]);

    const reportRes = await api('GET', '/reports?group_by=type,status');
    expect(reportRes.body.rows).to.have.length(1);
    expect(reportRes.body.rows[0]).to.deep.include({
      type: null,
      status: 'approved',
      clicks: 1,
      conversions: 1,
      revenue: 7.25,
      approved_conversions: 1,
      approved_revenue: 7.25,
    });
    expect(reportRes.body.totals).to.deep.include({ clicks: 1, conversions: 1, revenue: 7.25 });

    const bad = await fetch(`${receiver}/postback?clickid=${clickid}&status=approve`);
    expect(bad.status).to.equal(400);
    const badBody = (await bad.json()) as { error: { details: Array<{ field: string }> } };
    expect(badBody.error.details[0]?.field).to.equal('status');
  });

  it('when the process tree gets SIGTERM, then every service stops cleanly', async () => {
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code, output).to.equal(0);
  });
});

async function waitFor<T>(check: () => Promise<T | null | false>, timeoutMs: number, context: () => string = () => ''): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
