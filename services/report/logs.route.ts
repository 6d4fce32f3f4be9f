import { stringify } from 'csv-stringify';
import type Joi from 'joi';
import type { Response } from 'express';
import type { Cursor, Page, PageQuery } from '../../shared/store/store.js';
import { encodeCursor } from './cursor.js';
import { notFound } from './http.js';
import { presentConversion, presentPostback } from './present.js';
import { rangeOf } from './dates.js';
import { conversionQuery, postbackQuery, type LogQuery } from './logs.schema.js';
import type { ApiDeps } from './api-deps.js';
import { RESPONDED, route, type ApiRoute } from './route-table.js';
import { TRAIT_KEYS } from '../../shared/domain/entities.js';

const MAX_CSV_ROWS = 100_000;

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
export function logRoutes({ store }: Pick<ApiDeps, 'store'>): ApiRoute[] {
  /** One log: a page as JSON, or every page as CSV. */
  const log = <T>(
    name: string,
    query: Joi.ObjectSchema<LogQuery>,
    list: (filter: ReturnType<typeof filterOf>, page: PageQuery) => Promise<Page<T>>,
    present: (item: T) => object,
    /** The CSV's row, where it is not `present`'s. */
    presentCsv: (item: T) => object = present,
  ) =>
    route<LogQuery>({
      method: 'get',
      path: `/${name}`,
      summary: `The ${name.slice(0, -1)} log, newest first, cursor-paginated (format=csv for all of it)`,
      auth: 'api-key',
      status: 200,
      query,
      handler: async ({ res, query: q }) => {
        const pageOf = (page: PageQuery) => list(filterOf(q), page);
        if (q.format === 'csv') {
          await streamCsv(res, name, pageOf, presentCsv);
          return RESPONDED;
        }
        const page = await pageOf({ limit: q.limit, cursor: q.cursor ?? null });
        return { items: page.items.map(present), next_cursor: encodeCursor(page.next) };
      },
    });
  return [
    log(
      'conversions',
      conversionQuery,
      (filter, page) => store.listConversions(filter, page),
      presentConversion,
      (conversion) => {
        // A spreadsheet filters by country or device: the click's traits as columns of their own, every row the same columns.
        const { click_traits: traits, ...rest } = presentConversion(conversion);
        return { ...rest, ...Object.fromEntries(TRAIT_KEYS.map((key) => [key, traits[key] ?? null])) };
      },
    ),
    log('postbacks', postbackQuery, (filter, page) => store.listPostbacks(filter, page), presentPostback),
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
