import type { Request } from 'express';
import { parse } from 'csv-parse/sync';
import type { CostRecord, CostRequest, SubFilter } from '../../shared/domain/costs.js';
import type { Cursor } from '../../shared/store/store.js';
import { SUB_KEYS } from '../../shared/domain/entities.js';
import { convert, type Converted, type FxRates } from '../../shared/domain/fx.js';
import { ID_PATTERN, newId } from '../../shared/domain/ids.js';
import { parseMoney } from '../../shared/domain/money.js';
import type { FieldProblem } from '../../shared/errors/app-error.js';
import { costBody, bulkCostQuery, costListQuery, undoBody, type CostInput, type CostListQuery } from './costs.schema.js';
import { encodeCursor } from './cursor.js';
import { rangeOf } from './dates.js';
import { invalid, notFound, queueUnavailable } from './http.js';
import { presentCost } from './present.js';
import type { ApiDeps } from './api-deps.js';
import { route, type ApiRoute } from './route-table.js';

const MAX_BULK_ROWS = 10_000;

/** A cost cannot move over clicks retention removed: the rollups would disagree with the clicks left. */
function removedBefore(keptFrom: number, what: string): FieldProblem {
  const day = new Date(keptFrom).toISOString().slice(0, 10);
  return {
    field: 'from',
    message: `from: the raw clicks before ${day} (UTC) were removed (CLICK_RETENTION_DAYS), so a cost cannot be ${what}; start on ${day} or later`,
  };
}

/**
 * The cost update API (specification §8): queued like postbacks (202 with an id; the worker
 * spreads the cost), its state readable by id, a CSV form for many campaign-days at
 * once and an undo of a campaign's last update. Costs are converted into the account
 * currency here, at today's rate, so a missing rate is a 400 naming the currency.
 */
export function costRoutes(deps: Pick<ApiDeps, 'store' | 'accountCurrency' | 'rates' | 'enqueueCost' | 'queuedState'>): ApiRoute[] {
  /** Checks one update against the settings and rates; problems name the field. */
  const prepare = async (input: CostInput, rates: FxRates): Promise<{ request: CostRequest; problems: FieldProblem[] }> => {
    const problems: FieldProblem[] = [];
    const campaign = await deps.store.campaigns.get(input.campaign_id);
    if (!campaign) problems.push({ field: 'campaign_id', message: `campaign_id: no campaign with id ${input.campaign_id}` });
    const channel = campaign ? await deps.store.trafficChannels.get(campaign.traffic_channel_id) : null;
    const currency = input.currency ?? channel?.currency ?? deps.accountCurrency;
    const range = rangeOf(input.from, input.to, input.tz);
    if (range.from === null || range.to === null || range.from >= range.to)
      problems.push({ field: 'to', message: 'to must be after from (a date as to includes that whole day)' });
    const keptFrom = await deps.store.clicksKeptFrom();
    if (keptFrom !== null && range.from !== null && range.from < keptFrom) problems.push(removedBefore(keptFrom, 'spread over them'));
    const cost = convert(parseMoney(input.cost), currency, deps.accountCurrency, rates);
    if (!cost)
      problems.push({
        field: 'currency',
        message: `currency: no exchange rate from ${currency} to ${deps.accountCurrency}; set one with PUT /api/fx-rates`,
      });
    const subKey = SUB_KEYS.find((key) => input[key] !== undefined);
    const filter: SubFilter | null = subKey ? { sub: subKey, value: input[subKey] as string } : null;
    return {
      problems,
      request: {
        kind: 'update',
        campaign_id: input.campaign_id,
        from: range.from ?? 0,
        to: range.to ?? 0,
        tz: input.tz,
        range_given: { from: input.from, to: input.to },
        filter,
        cost: cost as Converted,
      },
    };
  };

  const queue = async (request: CostRequest, req: Request): Promise<string> => {
    const id = newId();
    try {
      await deps.enqueueCost(id, { requestedAt: Date.now(), requestId: req.id, request });
    } catch (cause) {
      throw queueUnavailable('the cost update', cause);
    }
    return id;
  };

  /** The CSV form: campaign_id,date,cost[,currency] rows, one update per campaign-day in `tz`. */
  const bulk = async (text: unknown, tz: string, req: Request) => {
    if (typeof text !== 'string' || !text.trim())
      throw invalid([
        { field: 'body', message: 'send the CSV as the body with Content-Type: text/csv (header: campaign_id,date,cost[,currency])' },
      ]);
    let rows: Record<string, string>[];
    try {
      rows = parse(text, {
        columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
        skip_empty_lines: true,
        trim: true,
        bom: true,
      });
    } catch (err) {
      throw invalid([{ field: 'body', message: `not readable as CSV: ${(err as Error).message}` }]);
    }
    if (rows.length > MAX_BULK_ROWS) throw invalid([{ field: 'body', message: `at most ${MAX_BULK_ROWS} rows per upload` }]);
    const rates = await deps.rates();
    const prepared: CostRequest[] = [];
    const problems: FieldProblem[] = [];
    for (const [index, row] of rows.entries()) {
      const line = index + 2;
      const input = {
        campaign_id: row.campaign_id ?? row.campaign,
        from: row.date,
        to: row.date,
        tz,
        cost: row.cost,
        ...(row.currency ? { currency: row.currency } : {}),
      };
      const checked = costBody.validate(input, { abortEarly: false });
      if (checked.error) {
        for (const detail of checked.error.details)
          problems.push({ field: `line ${line}`, message: `line ${line}: ${detail.message.replace(/"/g, '')}` });
        continue;
      }
      const { request, problems: more } = await prepare(checked.value, rates);
      problems.push(...more.map((p) => ({ field: `line ${line}`, message: `line ${line}: ${p.message}` })));
      prepared.push(request);
    }
    if (problems.length) throw invalid(problems);
    // Queued in file order, so a later line for the same campaign-day wins.
    const items: Array<{ line: number; id: string }> = [];
    for (const [index, request] of prepared.entries()) items.push({ line: index + 2, id: await queue(request, req) });
    return { queued: items.length, items };
  };

  const missingCost = (id: string) => notFound(`no cost update ${id}`);
  /** The campaign's newest applied update: what an undo would take back. */
  const lastApplied = async (campaignId: string): Promise<CostRecord | null> => {
    let cursor: Cursor | null = null;
    do {
      const page = await deps.store.listCosts({ campaign_id: campaignId }, { limit: 100, cursor });
      const found = page.items.find((c) => c.request.kind === 'update' && c.state === 'applied');
      if (found) return found;
      cursor = page.next;
    } while (cursor);
    return null;
  };
  return [
    route<Record<string, never>, CostInput>({
      method: 'post',
      path: '/costs',
      summary: "Queue a cost update: spread a cost over a campaign's clicks in a range (later updates win for their range)",
      auth: 'api-key',
      status: 202,
      body: costBody,
      handler: async ({ req, body }) => {
        const { request, problems } = await prepare(body, await deps.rates());
        if (problems.length) throw invalid(problems);
        const id = await queue(request, req);
        return { id, state: 'queued', status_url: `/api/costs/${id}` };
      },
    }),
    route<{ tz: string }>({
      method: 'post',
      path: '/costs/bulk',
      summary: 'Queue cost updates from a CSV body (text/csv; header campaign_id,date,cost[,currency])',
      auth: 'api-key',
      status: 202,
      query: bulkCostQuery,
      textBody: { types: ['text/csv', 'text/plain', 'application/csv'], limit: '5mb' },
      handler: ({ req, query }) => bulk(req.body, query.tz, req),
    }),
    route<Record<string, never>, { campaign_id: string }>({
      method: 'post',
      path: '/costs/undo',
      summary: "Queue an undo of a campaign's last applied cost update",
      auth: 'api-key',
      status: 202,
      body: undoBody,
      handler: async ({ req, body: { campaign_id } }) => {
        if (!(await deps.store.campaigns.get(campaign_id)))
          throw invalid([{ field: 'campaign_id', message: `campaign_id: no campaign with id ${campaign_id}` }]);
        const keptFrom = await deps.store.clicksKeptFrom();
        const last = keptFrom === null ? null : await lastApplied(campaign_id);
        if (keptFrom !== null && last?.request.kind === 'update' && last.request.from < keptFrom)
          throw invalid([{ ...removedBefore(keptFrom, 'taken back from them'), field: 'campaign_id' }]);
        const id = await queue({ kind: 'undo', campaign_id }, req);
        return { id, state: 'queued', status_url: `/api/costs/${id}` };
      },
    }),
    route<CostListQuery>({
      method: 'get',
      path: '/costs',
      summary: 'Cost updates and undos, newest first',
      auth: 'api-key',
      status: 200,
      query: costListQuery,
      handler: async ({ query }) => {
        const filter = query.campaign_id ? { campaign_id: query.campaign_id } : {};
        const page = await deps.store.listCosts(filter, { limit: query.limit, cursor: query.cursor ?? null });
        return { items: page.items.map(presentCost), next_cursor: encodeCursor(page.next) };
      },
    }),
    route({
      method: 'get',
      path: '/costs/:id',
      summary: 'The state and result of one cost update or undo',
      auth: 'api-key',
      status: 200,
      handler: async ({ params }) => {
        const id = params.id ?? '';
        // Only our own ids reach the queue: `meta`, `events` and the like are BullMQ's keys, not jobs.
        if (!ID_PATTERN.test(id)) throw missingCost(id);
        const record = await deps.store.getCost(id);
        if (record) return presentCost(record);
        const queued = await deps.queuedState(id);
        if (!queued) throw missingCost(id);
        const state = queued.state === 'failed' ? 'failed' : queued.state === 'active' ? 'processing' : 'queued';
        return { id, state, error: queued.failedReason };
      },
    }),
  ];
}
