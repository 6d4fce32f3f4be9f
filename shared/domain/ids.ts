import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

/**
 * A new sortable, URL-safe id (ULID: 26 chars of Crockford base32). Used for clicks,
 * postbacks (also their BullMQ job id: no `:`), conversions and settings.
 */
export function newId(): string {
  return next();
}

/** What we accept as a click id from outside (SPEC §3). */
export const CLICKID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
