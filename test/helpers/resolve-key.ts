// A process that resolves the API key of a data folder at a given moment and prints it.
//   node --import tsx test/helpers/resolve-key.ts <data dir> <epoch ms>
import { resolveApiKey } from '../../services/report/api-key.js';
import { loadConfig } from '../../shared/config/config.js';

const [dataDir, at] = process.argv.slice(2) as [string, string];
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(at) - Date.now())));
process.stdout.write(resolveApiKey({ ...loadConfig({}), dataDir }).key);
