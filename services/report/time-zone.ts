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
function offsetAt(ms: number, tz: string): number {
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
