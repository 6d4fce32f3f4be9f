import type { Config } from '../../shared/config/config.js';
import type { ConversionRecord, PostbackLogEntry } from '../../shared/domain/entities.js';
import { ALREADY } from '../../shared/domain/reversal.js';
import type { Store } from '../../shared/store/store.js';
import { waitDelay, type PostbackInput, type Prepared } from './prepare-postback.js';

/** What a reversal postback came to: logged (with the conversion it reversed), or waiting for that conversion. */
export type ReversalOutcome =
  | { kind: 'wait'; retryInMs: number }
  | { kind: 'settled'; settled: [entry: PostbackLogEntry, applied: boolean, conversion: ConversionRecord | null] };

/**
 * A reversal postback (`reversal=<reason>`): the store reverses the newest conversion
 * of its click and type not reversed yet (with its event id, if given) and logs the
 * postback with it, in one transaction, so a retried job finds it logged and reverses
 * nothing twice. With nothing to reverse, it waits as a postback waits for its click
 * (the conversion's own postback may still be queued), then is rejected
 * `nothing_to_reverse`, to be replayed once the conversion is there.
 */
export async function applyReversal(
  store: Store,
  input: PostbackInput,
  prepared: Extract<Prepared, { kind: 'reverse' }>,
  rules: Config['rules'],
  now: number,
): Promise<ReversalOutcome> {
  const { target, log } = prepared;
  // Networks often send one URL template for every event, so a refund may carry a sum:
  // it is accepted, and the log says it was not used, so a partial refund is noticed.
  const unused = target.sum === null ? '' : `; its sum ${target.sum} is not used: a reversal takes back the whole conversion`;
  const entry: PostbackLogEntry = {
    ...log,
    outcome: 'reversed',
    reason: null,
    detail: `reason: ${target.reason}${unused}`,
    conversion_id: null,
  };
  const result = await store.reverseConversion({
    match: { clickid: target.clickid, type: target.type, event_id: target.event_id, test: target.test },
    reversal: {
      reason: target.reason,
      reversed_at: now,
      source: 'postback',
      postback_id: input.id,
      ip: input.job.ip,
      request_id: input.job.requestId,
      note: null,
    },
    entry,
  });
  if (result.kind === 'reversed')
    return { kind: 'settled', settled: [{ ...entry, conversion_id: result.conversion.id }, true, result.conversion] };
  if (result.kind === 'already_reversed')
    return {
      kind: 'settled',
      settled: [{ ...entry, outcome: 'ignored_duplicate', detail: ALREADY, conversion_id: result.conversion.id }, true, null],
    };
  const retryInMs = waitDelay({ job: input.job, waits: input.waits, now, rules });
  if (retryInMs !== null) return { kind: 'wait', retryInMs };
  const what = `${target.type === null ? 'the main conversion' : `type "${target.type}"`}${target.event_id === null ? '' : ` with event id ${target.event_id}`}`;
  const rejected = await store.logRejected({
    ...log,
    outcome: 'rejected',
    reason: 'nothing_to_reverse',
    detail: `click ${target.clickid} has no ${target.test ? 'test ' : ''}conversion of ${what} left to reverse; replay once it has`,
    conversion_id: null,
  });
  return { kind: 'settled', settled: [rejected, true, null] };
}
