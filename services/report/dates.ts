import type { TimeRange } from '../../shared/store/store.js';
import { localMidnight } from '../../shared/domain/time-zone.js';

/**
 * The one parser for dates and times the API takes (`from`, `to`, a cost CSV's `date`).
 * Only real calendar dates and times pass: `2026-13-45`, `2026-02-30` or `0000-00-00`
 * are refused with a 400 naming the field, never turned into some other day or a 500.
 */

/** Years a date may name: anything outside is a typo, not a question (docs/decisions.md). */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2999;

/** A local calendar day (`YYYY-MM-DD`, in the request's `tz`) or an instant (ISO 8601 with a zone). */
export type Bound = { kind: 'day'; year: number; month: number; day: number } | { kind: 'instant'; ms: number };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))$/;

export const BOUND_FORMS = `a date YYYY-MM-DD (local to tz) or an ISO 8601 timestamp with a zone (e.g. 2026-11-30T12:00:00Z), in the years ${MIN_YEAR}–${MAX_YEAR}`;

function realDay(year: number, month: number, day: number): boolean {
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The bound `text` names, or null when it is not a real date or time in range. */
export function parseBound(text: string): Bound | null {
  const day = DAY.exec(text);
  if (day) {
    const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
    return realDay(year, month, date) ? { kind: 'day', year, month, day: date } : null;
  }
  const instant = INSTANT.exec(text);
  if (!instant) return null;
  const [year, month, date, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(instant[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [offsetHours, offsetMinutes] = [Number(instant[9] ?? 0), Number(instant[10] ?? 0)];
  if (!realDay(year, month, date) || hour > 23 || minute > 59 || second > 59 || offsetHours > 14 || offsetMinutes > 59) return null;
  const ms = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? null : { kind: 'instant', ms };
}

/** `YYYY-MM-DD` of the day after a calendar day. */
export function nextDay({ year, month, day }: { year: number; month: number; day: number }): string {
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` of a calendar day. */
export function dayText({ year, month, day }: { year: number; month: number; day: number }): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * A date is local to `tz` (as `to`, the whole day is included); a timestamp is an
 * instant (as `to`, exclusive). Bounds come validated by `boundField`; one that does
 * not parse counts as open.
 */
export function rangeOf(from: string | undefined, to: string | undefined, tz: string): TimeRange {
  const at = (text: string | undefined, end: boolean): number | null => {
    const bound = text === undefined ? null : parseBound(text);
    if (!bound) return null;
    if (bound.kind === 'instant') return bound.ms;
    return localMidnight(end ? nextDay(bound) : dayText(bound), tz);
  };
  return { from: at(from, false), to: at(to, true) };
}
