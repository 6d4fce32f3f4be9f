import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../shared/config/config.js';

const readKept = (file: string): string => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
};

/**
 * The configured API_KEY; outside production, when unset, a key generated once and
 * kept in the data folder, so the API is never open; `file` tells the caller where it
 * is kept. Processes starting together agree on one key: the file is
 * created exclusively, and one that finds it created by another reads that one's key.
 */
export function resolveApiKey(config: Config): { key: string; file: string | null; generated: boolean } {
  if (config.report.apiKey) return { key: config.report.apiKey, file: null, generated: false };
  const file = join(config.dataDir, 'api-key');
  const kept = readKept(file);
  if (kept) return { key: kept, file, generated: false };
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(24).toString('base64url');
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return { key, file, generated: true };
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  }
  // Another process is writing it: wait a moment for its key; an empty file left by a crash is replaced.
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 50; i++) {
    const theirs = readKept(file);
    if (theirs) return { key: theirs, file, generated: false };
    Atomics.wait(pause, 0, 0, 20);
  }
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file, generated: true };
}
