import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * ulid draws one random byte per call to its PRNG, which costs a syscall-backed
 * fill each time on the receiver's hot path; this hands it bytes from a pool
 * refilled 4 KiB at a time, from the same CSPRNG.
 */
function pooledRandom(): () => number {
  const pool = Buffer.alloc(4096);
  let offset = pool.length;
  return () => {
    if (offset >= pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    return (pool[offset++] as number) / 256;
  };
}

const next = monotonicFactory(pooledRandom());

/**
 * A new sortable, URL-safe id (ULID: 26 chars of Crockford base32). Used for clicks,
 * postbacks (also their BullMQ job id: no `:`), conversions and settings.
 */
export function newId(): string {
  return next();
}

/** An id `newId` made: 26 characters of Crockford base32. */
export const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** What we accept as a click id from outside (specification §3). */
export const CLICKID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
