import express, { Router, type Request } from 'express';
import { parse } from 'csv-parse/sync';
import Joi from 'joi';
import type { CostRecord, CostRequest, SubFilter } from '../../shared/domain/costs.js';
import { SUB_KEYS } from '../../shared/domain/entities.js';
import { convert, type Converted, type FxRates } from '../../shared/domain/fx.js';
import { ID_PATTERN, newId } from '../../shared/domain/ids.js';
import { moneyToNumber, parseMoney } from '../../shared/domain/money.js';
import { AppError, type FieldProblem } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import type { CostJob } from '../../shared/queue/jobs.js';
import type { Store } from '../../shared/store/store.js';
import { currencyField } from '../../shared/validation/fields.js';
import { cursorField, encodeCursor, limitField } from './cursor.js';
import { rangeOf } from './report.route.js';
import { boundField, tzField } from './report.schema.js';
import { moneyField } from './settings.schema.js';
import { validate, validateBody } from './validate.js';

/** Queues one cost job under its id; resolves once Redis has it. */
export type EnqueueCost = (id: string, job: CostJob) => Promise<void>;
/** Where a cost job is while it is not yet in the store: BullMQ's state and failure reason. */
export type QueuedState = (id: string) => Promise<{ state: string; failedReason: string | null } | null>;

export interface CostsRouteDeps {
  store: Store;
  accountCurrency: string;
  rates: () => Promise<FxRates>;
  enqueueCost: EnqueueCost;
  queuedState: QueuedState;
}

export const costBody = Joi.object({
  campaign_id: Joi.string().max(64).required(),
  from: boundField.required(),
  to: boundField.required(),
  tz: tzField,
  cost: moneyField.required(),
  currency: currencyField,
  ...Object.fromEntries(SUB_KEYS.map((key) => [key, Joi.string().max(500)])),
})
  .oxor(...SUB_KEYS)
  .messages({ 'object.oxor': 'give at most one of sub1..sub10 to narrow a cost update' });

/** The CSV form's query: the zone its dates are in. */
export const bulkCostQuery = Joi.object({ tz: tzField });

export const undoBody = Joi.object({ campaign_id: Joi.string().max(64).required() });

export const costListQuery = Joi.object({ campaign_id: Joi.string().max(64), limit: limitField, cursor: cursorField });

const MAX_BULK_ROWS = 10_000;

interface CostInput {
  campaign_id: string;
  from: string;
  to: string;
  tz: string;
  cost: string;
  currency?: string;
  [sub: string]: string | undefined;
}

/**
 * The cost update API (SPEC §8): queued like postbacks (202 with an id; the worker
 * spreads the cost), its state readable by id, a CSV form for many campaign-days at
 * once and an undo of a campaign's last update. Costs are converted into the account
 * currency here, at today's rate, so a missing rate is a 400 naming the currency.
 */
export function costsRoute(deps: CostsRouteDeps): Router {
  const router = Router();

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
      throw new AppError(ErrorCodes.QUEUE_UNAVAILABLE, 'the queue cannot accept the cost update right now; retry later', {
        httpStatus: 503,
        retryable: true,
        cause,
      });
    }
    return id;
  };

  router.post('/costs', async (req, res) => {
    const input = validateBody<CostInput>(costBody, req);
    const { request, problems } = await prepare(input, await deps.rates());
    if (problems.length) throw invalid(problems);
    const id = await queue(request, req);
    res.status(202).json({ id, state: 'queued', status_url: `/api/costs/${id}` });
  });

  // A CSV of campaign_id,date,cost[,currency] rows, one update per campaign-day in `tz`.
  router.post('/costs/bulk', express.text({ type: ['text/csv', 'text/plain', 'application/csv'], limit: '5mb' }), async (req, res) => {
    const { tz } = validate<{ tz: string }>(bulkCostQuery, req.query);
    if (typeof req.body !== 'string' || !req.body.trim())
      throw invalid([
        { field: 'body', message: 'send the CSV as the body with Content-Type: text/csv (header: campaign_id,date,cost[,currency])' },
      ]);
    let rows: Record<string, string>[];
    try {
      rows = parse(req.body, {
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
      const { request, problems: more } = await prepare(checked.value as CostInput, rates);
      problems.push(...more.map((p) => ({ field: `line ${line}`, message: `line ${line}: ${p.message}` })));
      prepared.push(request);
    }
    if (problems.length) throw invalid(problems);
    // Queued in file order, so a later line for the same campaign-day wins.
    const items: Array<{ line: number; id: string }> = [];
    for (const [index, request] of prepared.entries()) items.push({ line: index + 2, id: await queue(request, req) });
    res.status(202).json({ queued: items.length, items });
  });

  router.post('/costs/undo', async (req, res) => {
    const { campaign_id } = validateBody<{ campaign_id: string }>(undoBody, req);
    if (!(await deps.store.campaigns.get(campaign_id)))
      throw invalid([{ field: 'campaign_id', message: `campaign_id: no campaign with id ${campaign_id}` }]);
    const id = await queue({ kind: 'undo', campaign_id }, req);
    res.status(202).json({ id, state: 'queued', status_url: `/api/costs/${id}` });
  });

  router.get('/costs', async (req, res) => {
    const query = validate<{ campaign_id?: string; limit: number; cursor?: { t: number; id: string } }>(costListQuery, req.query);
    const page = await deps.store.listCosts(query.campaign_id ? { campaign_id: query.campaign_id } : {}, {
      limit: query.limit,
      cursor: query.cursor ?? null,
    });
    res.json({ items: page.items.map(presentCost), next_cursor: encodeCursor(page.next) });
  });

  router.get('/costs/:id', async (req, res) => {
    // Only our own ids reach the queue: `meta`, `events` and the like are BullMQ's keys, not jobs.
    if (!ID_PATTERN.test(req.params.id)) throw new AppError(ErrorCodes.NOT_FOUND, `no cost update ${req.params.id}`, { httpStatus: 404 });
    const record = await deps.store.getCost(req.params.id);
    if (record) {
      res.json(presentCost(record));
      return;
    }
    const queued = await deps.queuedState(req.params.id);
    if (!queued) throw new AppError(ErrorCodes.NOT_FOUND, `no cost update ${req.params.id}`, { httpStatus: 404 });
    const state = queued.state === 'failed' ? 'failed' : queued.state === 'active' ? 'processing' : 'queued';
    res.json({ id: req.params.id, state, error: queued.failedReason });
  });
  return router;
}

function invalid(details: FieldProblem[]): AppError {
  return new AppError(ErrorCodes.VALIDATION, details.map((d) => d.message).join('; '), { httpStatus: 400, details });
}

const iso = (ms: number): string => new Date(ms).toISOString();
const clicksText = (n: number): string => `${n} click${n === 1 ? '' : 's'}`;

/** A cost record as the API shows it: amounts as numbers, times as ISO, what happened in words. */
export function presentCost(record: CostRecord) {
  const { request } = record;
  const base = {
    id: record.id,
    kind: request.kind,
    campaign_id: request.campaign_id,
    state: record.state,
    requested_at: iso(record.requested_at),
    processed_at: iso(record.processed_at),
  };
  if (request.kind === 'undo') {
    return {
      ...base,
      undoes: record.undoes,
      clicks: record.clicks,
      message: record.undoes
        ? `undid cost update ${record.undoes}; ${clicksText(record.clicks)} restored`
        : 'no applied cost update to undo for this campaign',
    };
  }
  const { cost } = request;
  const filter = request.filter ? { [request.filter.sub]: request.filter.value } : {};
  const where = `${request.range_given.from} – ${request.range_given.to} (${request.tz})${request.filter ? ` where ${request.filter.sub} = ${request.filter.value}` : ''}`;
  const message =
    record.state === 'no_clicks'
      ? `no clicks of campaign ${request.campaign_id} in ${where}: nothing to spread the cost over, nothing recorded`
      : `${moneyToNumber(cost.micros)} spread over ${clicksText(record.clicks)} in ${where}${record.state === 'undone' ? `; undone by ${record.undone_by}` : ''}`;
  return {
    ...base,
    from: iso(request.from),
    to: iso(request.to),
    tz: request.tz,
    range: request.range_given,
    ...filter,
    cost: moneyToNumber(cost.micros),
    original_cost: moneyToNumber(cost.original_micros),
    original_currency: cost.original_currency,
    fx_rate: cost.rate,
    clicks: record.clicks,
    undone_by: record.undone_by,
    message,
  };
}
