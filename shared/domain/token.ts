import { createHash } from 'node:crypto';

/** Tokens travel and are compared as SHA-256 hex, never in clear. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
