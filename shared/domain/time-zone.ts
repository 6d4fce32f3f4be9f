const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** True for an IANA zone name this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The local wall time of `ms` in `tz`: `{ date: 'YYYY-MM-DD', hour: 'HH' }`. */
export function localParts(ms: number, tz: string): { date: string; hour: string } {
  const parts = Object.fromEntries(
    formatter(tz)
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: parts.hour as string };
}

/** How far `tz` is ahead of UTC at instant `ms`, in ms. */
export function offsetAt(ms: number, tz: string): number {
  const parts = Object.fromEntries(
    formatter(tz)
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  return asUtc - (ms - (ms % 60_000));
}

/** The instant local midnight starts `date` (`YYYY-MM-DD`) in `tz`, DST included. */
export function localMidnight(date: string, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let guess = wall - offsetAt(wall, tz);
  // A second pass settles days whose offset differs from the one at UTC midnight.
  guess = wall - offsetAt(guess, tz);
  return guess;
}

/** A stretch of time over which a zone's offset stays the same: up to `until` (exclusive; null: the end). */
export interface OffsetSegment {
  until: number | null;
  offsetMs: number;
}

/** A UTC day in milliseconds (a local day may be 23 or 25 hours: see `offsetSegments`). */
export const DAY_MS = 86_400_000;

/**
 * The offsets `tz` has over [from, to), each with where it ends: one segment for a zone
 * without DST changes in the range, one more per change. Offsets are sampled daily and
 * each change is found to the minute (zones change at most a few times a year, never
 * twice in a day).
 */
export function offsetSegments(tz: string, from: number, to: number): OffsetSegment[] {
  const segments: OffsetSegment[] = [];
  let at = from;
  let offset = offsetAt(from, tz);
  for (let next = Math.min(from + DAY_MS, to); ; next = Math.min(next + DAY_MS, to)) {
    const nextOffset = offsetAt(next, tz);
    if (nextOffset !== offset) {
      // The change lies in (at, next]: bisect to the minute.
      let [low, high] = [at, next];
      while (high - low > 60_000) {
        const mid = low + Math.max(60_000, Math.floor((high - low) / 2 / 60_000) * 60_000);
        if (offsetAt(mid, tz) === offset) low = mid;
        else high = mid;
      }
      segments.push({ until: high, offsetMs: offset });
      offset = nextOffset;
    }
    at = next;
    if (next >= to) break;
  }
  segments.push({ until: null, offsetMs: offset });
  return segments;
}
