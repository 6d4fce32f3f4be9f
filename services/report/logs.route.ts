import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import Joi from 'joi';
import { DUPLICATE_STATUSES } from '../../shared/domain/duplicate-modes.js';
import { OUTCOMES, REJECT_REASONS } from '../../shared/domain/outcomes.js';
import { STATUSES } from '../../shared/domain/statuses.js';
import type { Cursor, Page, PageQuery, Store } from '../../shared/store/store.js';
import { cursorField, encodeCursor, limitField } from './cursor.js';
import { notFound } from './http.js';
import { presentConversion, presentPostback } from './present.js';
import { rangeOf } from './dates.js';
import { boundField, tzField } from './report.schema.js';
import { route, type ApiRoute } from './route-table.js';

const MAX_CSV_ROWS = 100_000;

/** What both logs filter and page by. */
const common = {
  clickid: Joi.string().max(128),
  type: Joi.string().allow('').max(64),
  campaign: Joi.string().max(64),
  offer_source: Joi.string().max(64),
  from: boundField,
  to: boundField,
  tz: tzField,
  cursor: cursorField,
  limit: limitField,
  format: Joi.string().valid('json', 'csv').default('json'),
};
export const conversionQuery = Joi.object<LogQuery>({
  ...common,
  status: Joi.string().valid(...STATUSES),
  duplicate_status: Joi.string().valid(...DUPLICATE_STATUSES),
});
export const postbackQuery = Joi.object<LogQuery>({
  ...common,
  outcome: Joi.string().valid(...OUTCOMES),
  reason: Joi.string().valid(...REJECT_REASONS),
});

interface LogQuery {
  clickid?: string;
  type?: string;
  campaign?: string;
  offer_source?: string;
  from?: string;
  to?: string;
  tz: string;
  cursor?: Cursor;
  limit: number;
  format: 'json' | 'csv';
  [more: string]: unknown;
}

/** The store filter from a log query: API names to fields, `type=` (empty) for the main conversion, dates in `tz`. */
function filterOf({ clickid, type, campaign, offer_source, from, to, tz, cursor: _c, limit: _l, format: _f, ...rest }: LogQuery) {
  const range = rangeOf(from, to, tz);
  return {
    ...rest,
    clickid,
    type: type === undefined ? undefined : type === '' ? null : type,
    campaign_id: campaign,
    offer_source_id: offer_source,
    from: range.from ?? undefined,
    to: range.to ?? undefined,
  };
}

/** The conversion log and the postback log, newest first, cursor-paginated, or all of it as CSV. */
export function logRoutes(store: Store): ApiRoute[] {
  return [
    route<LogQuery>({
      method: 'get',
      path: '/conversions',
      summary: 'The conversion log, newest first, cursor-paginated (format=csv for all of it)',
      auth: 'api-key',
      status: 200,
      query: conversionQuery,
      handler: async ({ res, query }) => {
        const list = (page: PageQuery) => store.listConversions(filterOf(query), page);
        if (query.format === 'csv') return streamCsv(res, 'conversions', list, presentConversion);
        const page = await list({ limit: query.limit, cursor: query.cursor ?? null });
        return { items: page.items.map(presentConversion), next_cursor: encodeCursor(page.next) };
      },
    }),
    route<LogQuery>({
      method: 'get',
      path: '/postbacks',
      summary: 'The postback log, newest first, cursor-paginated (format=csv for all of it)',
      auth: 'api-key',
      status: 200,
      query: postbackQuery,
      handler: async ({ res, query }) => {
        const list = (page: PageQuery) => store.listPostbacks(filterOf(query), page);
        if (query.format === 'csv') return streamCsv(res, 'postbacks', list, presentPostback);
        const page = await list({ limit: query.limit, cursor: query.cursor ?? null });
        return { items: page.items.map(presentPostback), next_cursor: encodeCursor(page.next) };
      },
    }),
    route({
      method: 'get',
      path: '/postbacks/:id',
      summary: 'One postback log entry',
      auth: 'api-key',
      status: 200,
      handler: async ({ params }) => {
        const id = params.id ?? '';
        const entry = await store.getPostback(id);
        if (!entry) throw notFound(`no postback ${id} in the log (it may still be queued)`);
        return presentPostback(entry);
      },
    }),
  ];
}

/** Every matching item, page by page, as CSV; nested values (subs, raw parameters) as JSON text. */
async function streamCsv<T>(
  res: Response,
  name: string,
  list: (page: PageQuery) => Promise<Page<T>>,
  present: (item: T) => object,
): Promise<void> {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
  const csv = stringify({ header: true, escape_formulas: true, cast: { object: (o) => JSON.stringify(o), boolean: (b) => String(b) } });
  csv.pipe(res);
  let cursor: Cursor | null = null;
  let written = 0;
  do {
    const page: Page<T> = await list({ limit: 1000, cursor });
    for (const item of page.items) csv.write(present(item));
    written += page.items.length;
    cursor = page.next;
  } while (cursor && written < MAX_CSV_ROWS);
  csv.end();
}
