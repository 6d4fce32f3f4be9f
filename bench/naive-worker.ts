/**
 * The yardstick for `bench:drain`: a BullMQ worker that does what a naive postback
 * worker does and nothing else: a Redis lock per job and one SQLite insert, on the
 * same SQLite settings as convtrack's store (WAL, synchronous FULL), concurrency 16.
 */
import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const connection = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
const db = new BetterSqlite3(process.env.SQLITE_PATH);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
db.exec(
  'CREATE TABLE IF NOT EXISTS conversions (id TEXT PRIMARY KEY, clickid TEXT NOT NULL, payout TEXT, received_at INTEGER NOT NULL, processed_at INTEGER NOT NULL)',
);
const insert = db.prepare('INSERT OR IGNORE INTO conversions (id, clickid, payout, received_at, processed_at) VALUES (?, ?, ?, ?, ?)');
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

const worker = new Worker<{ clickid: string; sum: string; receivedAt: number }>(
  'naive',
  async (job) => {
    const lock = `{naive}:lock:${job.data.clickid}`;
    const token = randomUUID();
    await connection.set(lock, token, 'PX', 30_000, 'NX');
    try {
      insert.run(job.id, job.data.clickid, job.data.sum, job.data.receivedAt, Date.now());
    } finally {
      await connection.eval(RELEASE, 1, lock, token);
    }
  },
  { connection, prefix: '{naive}', concurrency: 16 },
);
void worker.waitUntilReady().then(() => process.stdout.write('ready\n'));
process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
