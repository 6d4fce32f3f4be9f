import type { Config } from '../../shared/config/config.js';
import { ledgerKey, resolveMode, type LedgerEntry } from '../../shared/domain/duplicate-policy.js';
import { dimensionsOf, type PostbackLogEntry } from '../../shared/domain/entities.js';
import { ipAllowed } from '../../shared/domain/ip-allowlist.js';
import { convert, type FxRates } from '../../shared/domain/fx.js';
import { parseMoney } from '../../shared/domain/money.js';
import type { RejectReason } from '../../shared/domain/outcomes.js';
import { hashToken } from '../../shared/domain/token.js';
import { summarize } from '../../shared/errors/joi-problems.js';
import type { WithLock } from '../../shared/locking/redis-lock.js';
import type { PostbackJob } from '../../shared/queue/jobs.js';
import { applyEntry } from '../../shared/store/apply-entry.js';
import type { Store } from '../../shared/store/store.js';

export interface ProcessPostbackDeps {
  store: Store;
  rules: Config['rules'];
  withLock: WithLock;
  /** Today's exchange rates into the account currency. */
  rates: () => Promise<FxRates>;
  now?: () => number;
}

/** Either the postback is settled (logged with its outcome), or its click is not stored yet. */
export type PostbackResult = { kind: 'settled'; entry: PostbackLogEntry; applied: boolean } | { kind: 'click_not_yet_stored'; retryInMs: number };

const MAX_CLICK_WAIT_STEP_MS = 60_000;

/**
 * The postback use case: resolve the click, type, source and offer; check token and
 * sender; then add the postback to its duplicate key's ledger under a lock. Applying
 * the same postback id again (a retried job, a dashboard retry) changes nothing; a
 * replay re-runs only a postback that was rejected. `waits` is how many times this
 * postback already waited for its click.
 */
export async function processPostback(deps: ProcessPostbackDeps, id: string, job: PostbackJob, waits = 0): Promise<PostbackResult> {
  const { store, rules } = deps;
  const now = (deps.now ?? Date.now)();
  const earlier = await store.getPostback(id);
  if (earlier && (earlier.outcome !== 'rejected' || !job.replayOf)) return { kind: 'settled', entry: earlier, applied: false };

  const params = job.params;
  const rawClickid = typeof job.raw.clickid === 'string' ? job.raw.clickid : null;
  const log: Omit<PostbackLogEntry, 'outcome' | 'reason' | 'detail' | 'conversion_id'> = {
    id,
    received_at: job.receivedAt,
    processed_at: now,
    request_id: job.requestId,
    method: job.method,
    ip: job.ip,
    raw: job.raw,
    clickid: params?.clickid ?? rawClickid,
    type: params?.type ?? null,
    campaign_id: null,
    offer_source_id: null,
    params,
  };
  const reject = async (reason: RejectReason, detail: string): Promise<PostbackResult> => {
    const entry = await store.logRejected({ ...log, outcome: 'rejected', reason, detail, conversion_id: null });
    return { kind: 'settled', entry, applied: entry.outcome === 'rejected' && entry.processed_at === now };
  };

  if (!params) return reject('invalid_params', summarize(job.invalid ?? []));
  const click = await store.getClick(params.clickid);
  if (!click) {
    const waited = now - job.receivedAt;
    if (waited < rules.unknownClickidWindowMs && !job.replayOf) {
      const step = Math.min(1000 * 2 ** waits, MAX_CLICK_WAIT_STEP_MS);
      return { kind: 'click_not_yet_stored', retryInMs: Math.min(step, rules.unknownClickidWindowMs - waited) };
    }
    return reject('unknown_clickid', `no click ${params.clickid} arrived within ${rules.unknownClickidWindowMs / 1000} s`);
  }
  log.campaign_id = click.campaign_id;
  log.offer_source_id = click.offer_source_id;
  const type = params.type === null ? null : await store.conversionTypes.get(params.type);
  if (params.type !== null && !type) return reject('unknown_type', `no conversion type named "${params.type}" (names are case-sensitive)`);
  const [source, offer] = await Promise.all([store.offerSources.get(click.offer_source_id), store.offers.get(click.offer_id)]);
  if (source?.postback_token && params.token_hash !== hashToken(source.postback_token)) {
    return reject('token_mismatch', params.token_hash ? 'the token is not this offer source’s' : 'this offer source requires a token');
  }
  if (source && !ipAllowed(source.ip_allowlist, job.ip)) return reject('ip_not_allowed', `${job.ip ?? 'unknown address'} is not in the offer source's IP allowlist`);

  // Amounts are converted now and the result kept in the entry, so the fold never
  // depends on rates that change later. No rate means no conversion, never 1:1.
  const account = rules.accountCurrency;
  const sourceCurrency = source?.currency ?? account;
  const payoutCurrency = params.currency ?? sourceCurrency;
  const rates = payoutCurrency !== account || sourceCurrency !== account ? await deps.rates() : {};
  const payoutMicros = params.payout === null ? null : parseMoney(params.payout);
  const carriedPayout = convert(payoutMicros ?? 0, payoutCurrency, account, rates);
  const defaultPayout = convert(offer?.payout_micros ?? 0, sourceCurrency, account, rates);
  const missingRate = !carriedPayout ? payoutCurrency : payoutMicros === null && !defaultPayout ? sourceCurrency : null;
  if (missingRate) return reject('unknown_currency', `no exchange rate from ${missingRate} to ${account}; set one with PUT /api/fx-rates, then replay`);

  const mode = resolveMode(type?.duplicate_mode, source?.duplicate_mode);
  const entry: LedgerEntry = {
    id,
    received_at: job.receivedAt,
    mode,
    clickid: click.clickid,
    type: params.type,
    click: dimensionsOf(click),
    carried: {
      status: params.status,
      payout_micros: payoutMicros,
      currency: params.currency,
      event_id: params.event_id,
      subs: params.subs,
      payout: payoutMicros === null ? null : carriedPayout,
    },
    defaults: {
      status: source?.default_status ?? 'approved',
      payout_micros: offer?.payout_micros ?? 0,
      currency: account,
      ...(defaultPayout ? { payout: defaultPayout } : {}),
    },
  };
  const key = ledgerKey(mode, id, click.clickid, params.type, params.event_id);
  const result = await deps.withLock(key, () => applyEntry(store, key, entry, log));
  return { kind: 'settled', entry: result.log, applied: result.applied };
}
