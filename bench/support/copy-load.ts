/**
 * Loads the report column copy of the SQLite file given and prints, as JSON, how long
 * it took and the resident memory it added (run with --expose-gc for a steadier figure).
 */
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const store = createSqliteStore(process.argv[2] as string, { columnCopy: true });
gc();
const rss = process.memoryUsage().rss;
const started = Date.now();
await store.prepareReports?.();
gc();
const seconds = (Date.now() - started) / 1000;
const mb = (process.memoryUsage().rss - rss) / 1e6;
await store.close();
process.stdout.write(JSON.stringify({ seconds, mb }));
