import type { Response } from 'express';
import { stringify } from 'csv-stringify';
import type { Filters } from '../../shared/store/store.js';
import { buildReport } from './build-report.js';
import type { Report, ReportRow } from './report-row.js';
import { rangeOf } from './dates.js';
import { FILTER_DIMENSIONS, reportQuery, type ReportQuery } from './report.schema.js';
import type { ApiDeps } from './api-deps.js';
import { RESPONDED, route, type ApiRoute } from './route-table.js';

/** `GET /reports`: grouped metrics with per-status and per-type columns, totals, JSON or CSV. */
export function reportRoutes({ store }: Pick<ApiDeps, 'store'>): ApiRoute[] {
  return [
    route<ReportQuery>({
      method: 'get',
      path: '/reports',
      summary: 'Grouped report with per-status and per-type columns and totals (JSON or CSV)',
      auth: 'api-key',
      status: 200,
      query: reportQuery,
      handler: async ({ res, query }) => {
        const filters: Filters = {};
        for (const d of FILTER_DIMENSIONS) {
          const value = query[d];
          // An empty value filters for "unset": the main conversion's type, an empty sub.
          if (typeof value === 'string') filters[d] = value === '' ? null : value;
        }
        const report = await buildReport(store, {
          groupBy: query.group_by,
          range: rangeOf(query.from, query.to, query.tz),
          tz: query.tz,
          filters,
          sort: query.sort,
          limit: query.limit,
        });
        if (query.format === 'csv') {
          sendCsv(res, report, query.group_by);
          return RESPONDED;
        }
        return { group_by: query.group_by, tz: query.tz, types: report.types, rows: report.rows, totals: report.totals };
      },
    }),
  ];
}

/**
 * The same rows as the JSON, flattened: type columns become `<type> conversions` and
 * `<type> revenue`; the totals row last, `Total` in its first column (as spreadsheets
 * label one). Without a grouping the totals row is the report.
 */
function sendCsv(res: Response, report: Report, groupBy: readonly string[]): void {
  const flat = (row: ReportRow): Record<string, unknown> => {
    const { types, ...rest } = row;
    const out: Record<string, unknown> = { ...rest };
    for (const [name, cell] of Object.entries((types ?? {}) as Record<string, { conversions: number; revenue: number }>)) {
      out[`${name} conversions`] = cell.conversions;
      out[`${name} revenue`] = cell.revenue;
    }
    return out;
  };
  const rows = groupBy.length ? report.rows.map(flat) : [];
  const [first] = groupBy;
  const totals = { ...flat(report.totals), ...(first ? { [first]: 'Total' } : {}) };
  const columns = [
    ...groupBy.flatMap((d) => [d, ...(rows[0] && `${d}_name` in rows[0] ? [`${d}_name`] : [])]),
    ...Object.keys(flat(report.totals)),
  ];
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', 'attachment; filename="report.csv"');
  // escape_formulas: a sub value like "=HYPERLINK(…)" must not run in a spreadsheet.
  const csv = stringify({ header: true, columns, escape_formulas: true, cast: { number: (n) => String(n) } });
  csv.pipe(res);
  for (const row of rows) csv.write(row);
  csv.write(totals);
  csv.end();
}
