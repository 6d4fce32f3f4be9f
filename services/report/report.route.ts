import { Router, type Response } from 'express';
import { stringify } from 'csv-stringify';
import type { Filters, Store, TimeRange } from '../../shared/store/store.js';
import { buildReport, type Report, type ReportRow } from './build-report.js';
import { FILTER_DIMENSIONS, reportQuery, type ReportQuery } from './report.schema.js';
import { dayText, nextDay, parseBound } from './dates.js';
import { localMidnight } from './time-zone.js';
import { validate } from './validate.js';

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

/** `GET /reports`: grouped metrics with per-status and per-type columns, totals, JSON or CSV. */
export function reportRoute(store: Store): Router {
  const router = Router();
  router.get('/reports', async (req, res) => {
    const query = validate<ReportQuery>(reportQuery, req.query);
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
      sendCsv(res, report);
      return;
    }
    res.json({ group_by: query.group_by, tz: query.tz, types: report.types, rows: report.rows, totals: report.totals });
  });
  return router;
}

/** The same rows as the JSON, flattened: type columns become `<type> conversions` and `<type> revenue`; the totals row last. */
function sendCsv(res: Response, report: Report): void {
  const flat = (row: ReportRow): Record<string, unknown> => {
    const { types, ...rest } = row;
    const out: Record<string, unknown> = { ...rest };
    for (const [name, cell] of Object.entries((types ?? {}) as Record<string, { conversions: number; revenue: number }>)) {
      out[`${name} conversions`] = cell.conversions;
      out[`${name} revenue`] = cell.revenue;
    }
    return out;
  };
  const rows = report.rows.map(flat);
  const totals = { ...flat(report.totals), total: 'total' };
  const columns = [...new Set([...(rows[0] ? Object.keys(rows[0]) : Object.keys(flat(report.totals))), 'total'])];
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', 'attachment; filename="report.csv"');
  // escape_formulas: a sub value like "=HYPERLINK(…)" must not run in a spreadsheet.
  const csv = stringify({ header: true, columns, escape_formulas: true, cast: { number: (n) => String(n) } });
  csv.pipe(res);
  for (const row of rows) csv.write(row);
  csv.write(totals);
  csv.end();
}
