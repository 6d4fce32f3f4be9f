// A process that opens an embedded store at a given moment, writes one click and exits:
// several of them started together race on a new or old file as real services do.
//   node --import tsx test/helpers/open-store.ts <file> <epoch ms to open at> <clickid>
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import { buildClick } from './builders.js';

const [path, at, clickid] = process.argv.slice(2) as [string, string, string];
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(at) - Date.now())));
const store = createSqliteStore(path);
await store.insertClick(buildClick({ clickid }));
await store.close();
