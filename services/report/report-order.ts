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
  const ordered = sortRows(
    accs.map((acc) => ({ ...acc.dims, acc }) as unknown as ReportRow),
    groupBy,
    sort,
  );
  return ordered.slice(0, limit).map((row) => build((row as unknown as { acc: Acc }).acc));
}

/** By `sort` (`-` first for descending), then by the group values; null (the main conversion, an unset sub) first. */
function sortRows(rows: ReportRow[], groupBy: ReportDimension[], sort?: string): ReportRow[] {
  const compare = (x: unknown, y: unknown): number => {
    if (x === y) return 0;
    if (x === null || x === undefined) return -1;
    if (y === null || y === undefined) return 1;
    return x < y ? -1 : 1;
  };
  const keys: Array<{ key: string; dir: number }> = groupBy.map((d) => ({ key: d, dir: 1 }));
  if (sort) keys.unshift({ key: sort.replace(/^-/, ''), dir: sort.startsWith('-') ? -1 : 1 });
  return rows.sort((a, b) => {
    for (const { key, dir } of keys) {
      const c = compare(a[key], b[key]) * dir;
      if (c !== 0) return c;
    }
    return 0;
  });
}
