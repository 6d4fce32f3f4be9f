import type { Conversion, PostbackLogEntry } from '../../shared/domain/entities.js';
import { newId } from '../../shared/domain/ids.js';
import { parseMoney } from '../../shared/domain/money.js';
import type { RejectReason } from '../../shared/domain/outcomes.js';
import type { Config } from '../../shared/config/config.js';
import { summarize } from '../../shared/errors/joi-problems.js';
import type { PostbackJob } from '../../shared/queue/jobs.js';
import type { Store } from '../../shared/store/store.js';

export interface ProcessPostbackDeps {
  store: Store;
  rules: Config['rules'];
  now?: () => number;
}

/** Either the postback is settled (logged with its outcome), or its click is not stored yet. */
export type PostbackResult = { kind: 'settled'; entry: PostbackLogEntry; applied: boolean } | { kind: 'click_not_yet_stored'; retryInMs: number };

const MAX_CLICK_WAIT_STEP_MS = 60_000;

/**
 * The postback use case: resolve the click, the type, the defaults, then write the
 * conversion and the log entry in one store step that applies at most once per id.
 * `waits` is how many times this postback already waited for its click.
 */
export async function processPostback(deps: ProcessPostbackDeps, id: string, job: PostbackJob, waits = 0): Promise<PostbackResult> {
  const { store, rules } = deps;
  const now = (deps.now ?? Date.now)();
  const earlier = await store.getPostback(id);
  if (earlier) return { kind: 'settled', entry: earlier, applied: false };

  const params = job.params;
  const rawClickid = typeof job.raw.clickid === 'string' ? job.raw.clickid : null;
  const entry: PostbackLogEntry = {
    id,
    received_at: job.receivedAt,
    processed_at: now,
    request_id: job.requestId,
    method: job.method,
    ip: job.ip,
    raw: job.raw,
    clickid: params?.clickid ?? rawClickid,
    type: params?.type ?? null,
    outcome: 'recorded',
    reason: null,
    detail: null,
    conversion_id: null,
  };
  const reject = async (reason: RejectReason, detail: string): Promise<PostbackResult> => {
    const result = await store.applyPostback({ ...entry, outcome: 'rejected', reason, detail }, { kind: 'none' });
    return { kind: 'settled', ...result };
  };

  if (!params) return reject('invalid_params', summarize(job.invalid ?? []));

  const click = await store.getClick(params.clickid);
  if (!click) {
    const waited = now - job.receivedAt;
    if (waited < rules.unknownClickidWindowMs) {
      const step = Math.min(1000 * 2 ** waits, MAX_CLICK_WAIT_STEP_MS);
      return { kind: 'click_not_yet_stored', retryInMs: Math.min(step, rules.unknownClickidWindowMs - waited) };
    }
    return reject('unknown_clickid', `no click ${params.clickid} arrived within ${rules.unknownClickidWindowMs / 1000} s`);
  }
  if (params.type !== null && !(await store.conversionTypes.get(params.type))) {
    return reject('unknown_type', `no conversion type named "${params.type}" (names are case-sensitive)`);
  }
  const [source, offer] = await Promise.all([store.offerSources.get(click.offer_source_id), store.offers.get(click.offer_id)]);

  const conversion: Conversion = {
    id: newId(),
    clickid: click.clickid,
    type: params.type,
    status: params.status ?? source?.default_status ?? 'approved',
    payout_micros: params.payout !== null ? parseMoney(params.payout) : (offer?.payout_micros ?? 0),
    currency: params.currency ?? rules.accountCurrency,
    event_id: params.event_id,
    duplicate_status: 'unknown',
    created_at: now,
    updated_at: now,
    click: {
      campaign_id: click.campaign_id,
      offer_id: click.offer_id,
      offer_source_id: click.offer_source_id,
      traffic_channel_id: click.traffic_channel_id,
      subs: click.subs,
    },
    subs: params.subs,
    postback_ids: [id],
  };
  const result = await store.applyPostback({ ...entry, conversion_id: conversion.id }, { kind: 'insert', conversion });
  return { kind: 'settled', ...result };
}
