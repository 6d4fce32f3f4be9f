/**
 * A yardstick receiver for `bench:e2e` and `bench:ingest`: Express answering a postback only after
 * `await queue.add` (a naive durable acknowledgement), for bench/naive-worker.ts.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';

const connection = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
const queue = new Queue('naive', { connection, prefix: '{naive}' });
const app = express();
app.disable('x-powered-by');
app.get('/postback', async (req, res) => {
  const { clickid, sum } = req.query;
  await queue.add(
    'naive',
    { clickid: typeof clickid === 'string' ? clickid : '', sum: typeof sum === 'string' ? sum : '', receivedAt: Date.now() },
    { jobId: randomUUID() },
  );
  res.json({ ok: true });
});
const server = app.listen(Number(process.env.PORT ?? 0), () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.once('SIGTERM', () => server.close(() => void queue.close().then(() => process.exit(0))));
