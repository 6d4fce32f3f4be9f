import type { Config } from '../../shared/config/config.js';
import { ledgerKey, resolveMode, type LedgerEntry } from '../../shared/domain/duplicate-policy.js';
import { dimensionsOf, type Click, type PostbackLogEntry, type ReversalReason } from '../../shared/domain/entities.js';
import { convert } from '../../shared/domain/fx.js';
import { ipAllowed } from '../../shared/domain/ip-allowlist.js';
import { parseMoney } from '../../shared/domain/money.js';
import type { RejectReason } from '../../shared/domain/outcomes.js';
import { hashToken } from '../../shared/domain/token.js';
import { summarize } from '../../shared/errors/joi-problems.js';
import type { PostbackJob } from '../../shared/queue/jobs.js';
import type { Settings } from '../../shared/application/settings-cache.js';

/** A postback's log entry before its outcome is known. */
/** A postback as a worker takes it from its job. */
export interface PostbackInput {
  /** The postback id (a replay's is the logged postback's). */
  id: string;
  job: PostbackJob;
  /** How many times it already waited for its click. */
  waits: number;
}

export type BareLog = Omit<PostbackLogEntry, 'outcome' | 'reason' | 'detail' | 'conversion_id'>;

/** What the rules make of one postback before any ledger is read. */
export type Prepared =
  | { kind: 'settled'; entry: PostbackLogEntry }
  | { kind: 'wait'; retryInMs: number }
  | { kind: 'reject'; entry: PostbackLogEntry }
  | { kind: 'apply'; key: string; entry: LedgerEntry; log: BareLog }
  | { kind: 'reverse'; target: ReversalTarget; log: BareLog };

/** Which conversion a reversal postback takes back: its click and type's newest one not yet reversed (with its event id, if given). */
export interface ReversalTarget {
  clickid: string;
  type: string | null;
  event_id: string | null;
  test: boolean;
  reason: ReversalReason;
  /** The amount it carried, as sent: never used (a reversal takes back the whole conversion), only logged. */
  sum: string | null;
}

export interface PrepareInput {
  id: string;
  job: PostbackJob;
  /** How many times it already waited for its click. */
  waits: number;
  now: number;
  /** The postback's log entry, if it was logged before (a retried job, a replay). */
  earlier: PostbackLogEntry | null;
  click: Click | null;
  settings: Settings;
  rules: Config['rules'];
}

const MAX_CLICK_WAIT_STEP_MS = 60_000;

/**
 * The postback use case up to its ledger, as named steps with no I/O: settled before,
 * malformed, waiting for its click, resolved against the settings, authorised
 * (token, sender), priced (currency), and keyed for its duplicate rules.
 */
export function preparePostback(input: PrepareInput): Prepared {
  const { id, job, earlier } = input;
  // Settled before, unless it is a replay of a rejection, or its job runs again after its workers died with it
  // (logged worker_crashed: an operator retried the failed job from the dashboard).
  const again = job.replayOf !== undefined || earlier?.reason === 'worker_crashed';
  if (earlier && (earlier.outcome !== 'rejected' || !again)) return { kind: 'settled', entry: earlier };
  const log = bareLog(input);
  const reject = (reason: RejectReason, detail: string): Prepared => ({
    kind: 'reject',
    entry: { ...log, outcome: 'rejected', reason, detail, conversion_id: null },
  });
  const params = job.params;
  if (!params) return reject('invalid_params', summarize(job.invalid ?? []));

  const { click } = input;
  if (!click)
    return (
      waitForClick(input) ??
      reject('unknown_clickid', `no click ${params.clickid} arrived within ${input.rules.unknownClickidWindowMs / 1000} s`)
    );
  log.campaign_id = click.campaign_id;
  log.offer_source_id = click.offer_source_id;

  const { settings, rules } = input;
  const type = params.type === null ? null : (settings.types.get(params.type) ?? null);
  if (params.type !== null && !type) return reject('unknown_type', `no conversion type named "${params.type}" (names are case-sensitive)`);
  const source = settings.sources.get(click.offer_source_id) ?? null;
  const offer = settings.offers.get(click.offer_id) ?? null;
  if (source?.postback_token && params.token_hash !== hashToken(source.postback_token)) {
    return reject('token_mismatch', params.token_hash ? 'the token is not this offer source’s' : 'this offer source requires a token');
  }
  if (source && !ipAllowed(source.ip_allowlist, job.ip))
    return reject('ip_not_allowed', `${job.ip ?? 'unknown address'} is not in the offer source's IP allowlist`);
  const test = params.test === true || source?.test_mode === true;
  log.test = test;
  if (params.reversal) {
    const target = {
      clickid: click.clickid,
      type: params.type,
      event_id: params.event_id,
      test,
      reason: params.reversal,
      sum: params.payout,
    };
    return { kind: 'reverse', target, log };
  }

  // Amounts are converted now and the result kept in the entry, so the ledger never
  // depends on rates that change later. No rate means no conversion, never 1:1.
  const account = rules.accountCurrency;
  const sourceCurrency = source?.currency ?? account;
  const payoutCurrency = params.currency ?? sourceCurrency;
  const payoutMicros = params.payout === null ? null : parseMoney(params.payout);
  const carriedPayout = convert(payoutMicros ?? 0, payoutCurrency, account, settings.rates);
  const defaultPayout = convert(offer?.payout_micros ?? 0, sourceCurrency, account, settings.rates);
  const missingRate = !carriedPayout ? payoutCurrency : payoutMicros === null && !defaultPayout ? sourceCurrency : null;
  if (missingRate)
    return reject('unknown_currency', `no exchange rate from ${missingRate} to ${account}; set one with PUT /api/fx-rates, then replay`);

  const mode = resolveMode(type?.duplicate_mode, source?.duplicate_mode);
  const entry: LedgerEntry = {
    id,
    received_at: job.receivedAt,
    mode,
    ...(test ? { test } : {}),
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
  return { kind: 'apply', key: ledgerKey(mode, id, click.clickid, params.type, params.event_id, test), entry, log };
}

/**
 * The rejection of a postback whose click is not stored and that found no room to wait
 * for it: `max` postbacks (UNKNOWN_CLICKID_MAX_WAITING) wait already.
 */
export function refusedWait(input: Pick<PrepareInput, 'id' | 'job' | 'now'>, max: number): PostbackLogEntry {
  const clickid = input.job.params?.clickid ?? '';
  return {
    ...bareLog(input),
    outcome: 'rejected',
    reason: 'unknown_clickid',
    detail: `no click ${clickid} stored, and ${max} postbacks already wait for their clicks (UNKNOWN_CLICKID_MAX_WAITING), so this one did not wait`,
    conversion_id: null,
  };
}

/** A click may still be on its way: wait with backoff within the window (a replay never waits). */
function waitForClick(input: PrepareInput): Prepared | null {
  const retryInMs = waitDelay(input);
  return retryInMs === null ? null : { kind: 'wait', retryInMs };
}

/**
 * How long a postback waits for what it names (its click, the conversion a reversal
 * takes back) before it looks again: backoff within the unknown-clickid window, null
 * once the window is over or for a replay.
 */
export function waitDelay({ job, waits, now, rules }: Pick<PrepareInput, 'job' | 'waits' | 'now' | 'rules'>): number | null {
  const waited = now - job.receivedAt;
  if (waited >= rules.unknownClickidWindowMs || job.replayOf) return null;
  const step = Math.min(1000 * 2 ** waits, MAX_CLICK_WAIT_STEP_MS);
  return Math.min(step, rules.unknownClickidWindowMs - waited);
}

/** A postback's log entry before its outcome is known, from its job as the receiver queued it. */
export function bareLog({ id, job, now }: Pick<PrepareInput, 'id' | 'job' | 'now'>): BareLog {
  const rawClickid = typeof job.raw.clickid === 'string' ? job.raw.clickid : null;
  return {
    id,
    received_at: job.receivedAt,
    processed_at: now,
    request_id: job.requestId,
    method: job.method,
    ip: job.ip,
    raw: job.raw,
    clickid: job.params?.clickid ?? rawClickid,
    type: job.params?.type ?? null,
    campaign_id: null,
    offer_source_id: null,
    params: job.params,
    test: job.params?.test === true,
  };
}
