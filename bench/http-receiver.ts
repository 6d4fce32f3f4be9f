/**
 * A yardstick for `bench:ingest`: `node:http` answering a postback only after
 * `await queue.add`, with no framework in between (the durable-ack ceiling here).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const connection = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
const queue = new Queue('http-naive', { connection, prefix: '{http-naive}' });
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  queue
    .add(
      'naive',
      { clickid: url.searchParams.get('clickid') ?? '', sum: url.searchParams.get('sum') ?? '', receivedAt: Date.now() },
      { jobId: randomUUID() },
    )
    .then(
      () => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      },
      () => {
        res.writeHead(503).end();
      },
    );
});
server.listen(Number(process.env.PORT ?? 0), () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.once('SIGTERM', () => server.close(() => void queue.close().then(() => process.exit(0))));
