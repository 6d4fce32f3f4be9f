import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../shared/config/config.js';

/**
 * The configured API_KEY; outside production, when unset, a key generated once and
 * kept in the data folder, so the API is never open. `generated` tells the caller to
 * print where it is.
 */
export function resolveApiKey(config: Config): { key: string; file: string | null } {
  if (config.report.apiKey) return { key: config.report.apiKey, file: null };
  const file = join(config.dataDir, 'api-key');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept) return { key: kept, file };
  } catch {
    // not generated yet
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file };
}
