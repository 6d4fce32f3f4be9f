import type { ReportRow } from './report-row.js';
import type { ReportDimension } from './report.schema.js';

/**
 * The first `limit` rows in report order. Rows are built only for those where the
 * order is by group values (a sub across all traffic has hundreds of thousands of
 * groups, and building a row costs far more than comparing its values); sorting by a
 * metric builds them all.
 */
export function topRows<Acc extends { dims: Record<string, string | null> }>(
  accs: Acc[],
  groupBy: ReportDimension[],
  sort: string | undefined,
  limit: number,
  build: (acc: Acc) => ReportRow,
): ReportRow[] {
  const byMetric = sort !== undefined && !(groupBy as readonly string[]).includes(sort.replace(/^-/, ''));
  if (byMetric) return sortRows(accs.map(build), groupBy, sort).slice(0, limit);
  // By group values: the accumulators are sorted on their values as they are, with no row or copy made for it.
  const ordered = sortBy(accs, (acc) => acc.dims, groupBy, sort);
  return ordered.slice(0, limit).map(build);
}

/** By `sort` (`-` first for descending), then by the group values; null (the main conversion, an unset sub) first. */
function sortRows(rows: ReportRow[], groupBy: ReportDimension[], sort?: string): ReportRow[] {
  return sortBy(rows, (row) => row, groupBy, sort);
}

const compare = (x: unknown, y: unknown): number => {
  if (x === y) return 0;
  if (x === null || x === undefined) return -1;
  if (y === null || y === undefined) return 1;
  return x < y ? -1 : 1;
};

/** `items` in place, by the values `valuesOf` gives: `sort` first, then the group values. */
function sortBy<T>(items: T[], valuesOf: (item: T) => Readonly<Record<string, unknown>>, groupBy: ReportDimension[], sort?: string): T[] {
  const keys: Array<{ key: string; dir: number }> = groupBy.map((d) => ({ key: d, dir: 1 }));
  if (sort) keys.unshift({ key: sort.replace(/^-/, ''), dir: sort.startsWith('-') ? -1 : 1 });
  return items.sort((a, b) => {
    const x = valuesOf(a);
    const y = valuesOf(b);
    for (const { key, dir } of keys) {
      const c = compare(x[key], y[key]) * dir;
      if (c !== 0) return c;
    }
    return 0;
  });
}
