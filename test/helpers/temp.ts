import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh folder under the OS temp dir, and a way to remove it. */
export function tempDir(prefix = 'convtrack-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A unique BullMQ prefix per test, so tests share one Redis without seeing each other's jobs. */
export function uniquePrefix(): string {
  return `{test-${Math.random().toString(36).slice(2, 10)}}`;
}
