import { Router } from 'express';
import { buildReport } from './build-report.js';
import { reportQuery, type ReportQuery } from './report.schema.js';
import type { Store } from '../../shared/store/store.js';
import { validate } from './validate.js';

/** `GET /reports?group_by=&from=&to=`: clicks, conversions and revenue per group, plus totals. */
export function reportRoute(store: Store): Router {
  const router = Router();
  router.get('/reports', async (req, res) => {
    const query = validate<ReportQuery>(reportQuery, req.query);
    const report = await buildReport(store, query.group_by, { from: query.from ?? null, to: query.to ?? null });
    res.json({ group_by: query.group_by, ...report });
  });
  return router;
}
