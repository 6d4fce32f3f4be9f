import type { Config } from '../../shared/config/config.js';
import type { Click, ConversionRecord, PostbackLogEntry } from '../../shared/domain/entities.js';
import { AppError } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import type { LedgerHead } from '../../shared/domain/ledger.js';
import type { LedgerCommit, Store } from '../../shared/store/store.js';
import { planKey, type KeyItem } from './plan-key.js';
import { preparePostback, refusedWait, type PostbackInput, type Prepared } from './prepare-postback.js';
import type { ClickWaits } from '../../shared/queue/click-waits.js';
import { applyReversal } from './reverse-postback.js';
import type { Settings, SettingsCache } from '../../shared/application/settings-cache.js';

export interface ApplyDeps {
  store: Store;
  settings: SettingsCache;
  rules: Config['rules'];
  now?: () => number;
  /** Bounds the postbacks waiting for their click (UNKNOWN_CLICKID_MAX_WAITING); without it, any number may wait. */
  clickWaits?: ClickWaits;
  /** Told of each postback refused room to wait (counted in a metric). */
  onWaitRefused?: () => void;
}

/**
 * Either the postback is settled (logged with its outcome; `applied` false when it was
 * logged before, as for a retried job), or its click is not stored yet.
 */
export type PostbackResult =
  | {
      kind: 'settled';
      entry: PostbackLogEntry;
      applied: boolean;
      conversion: ConversionRecord | null;
      click: Click | null;
      settings: Settings;
    }
  | { kind: 'click_not_yet_stored'; retryInMs: number };

/** Rounds of compare-and-set conflicts (another process on the same keys) before the jobs are retried by BullMQ. */
const MAX_ROUNDS = 20;

/**
 * The postback use case for a batch: read what the batch needs in a few queries (log
 * entries, clicks, ledger heads), prepare each postback against the cached settings,
 * plan each key's entries in arrival order, and commit every key at once. A key that
 * another process moved meanwhile is planned again; settings that changed meanwhile
 * make the whole batch run again on fresh ones. The store's compare-and-set decides:
 * no postback applies twice, none is lost.
 */
export async function applyPostbacks(deps: ApplyDeps, inputs: readonly PostbackInput[]): Promise<PostbackResult[]> {
  const { store, rules } = deps;
  // The same postback twice in one batch (two replays at once) is applied once and answered twice.
  const unique = [...new Map(inputs.map((input) => [input.id, input])).values()];
  const results = new Map<string, PostbackResult>();
  let pending = unique;
  const refused = new Set<string>();
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_ROUNDS)
      throw new AppError(ErrorCodes.STORE_UNAVAILABLE, `${pending.length} postbacks met conflicting writers ${MAX_ROUNDS} times`, {
        retryable: true,
      });
    const settings = await deps.settings.current();
    const now = (deps.now ?? Date.now)();
    const clickids = [...new Set(pending.flatMap((p) => (p.job.params ? [p.job.params.clickid] : [])))];
    const [earlier, clicks] = await Promise.all([store.getPostbacks(pending.map((p) => p.id)), store.getClicks(clickids)]);
    const clickOf = (p: PostbackInput): Click | null => (p.job.params ? (clicks.get(p.job.params.clickid) ?? null) : null);
    const prepared = pending.map((p) => ({
      input: p,
      prepared: preparePostback({ ...p, now, earlier: earlier.get(p.id) ?? null, click: clickOf(p), settings, rules }),
    }));
    for (const id of await boundWaits(deps, prepared, now)) refused.add(id);

    const settled = (
      p: PostbackInput,
      entry: PostbackLogEntry,
      applied: boolean,
      conversion: ConversionRecord | null = null,
    ): PostbackResult => ({
      kind: 'settled',
      entry,
      applied,
      conversion,
      click: clickOf(p),
      settings,
    });
    const decided = new Map<string, PostbackResult>();
    const rejected: Array<Extract<Prepared, { kind: 'reject' }>['entry']> = [];
    const byKey = new Map<string, KeyItem[]>();
    const reversals: Array<{ input: PostbackInput; prepared: Extract<Prepared, { kind: 'reverse' }> }> = [];
    for (const { input, prepared: p } of prepared) {
      if (p.kind === 'settled') decided.set(input.id, settled(input, p.entry, false));
      else if (p.kind === 'wait') decided.set(input.id, { kind: 'click_not_yet_stored', retryInMs: p.retryInMs });
      else if (p.kind === 'reject') {
        rejected.push(p.entry);
        decided.set(input.id, settled(input, p.entry, true));
      } else if (p.kind === 'reverse') reversals.push({ input, prepared: p });
      else byKey.set(p.key, [...(byKey.get(p.key) ?? []), { entry: p.entry, log: p.log }]);
    }

    const heads = await store.loadLedgerHeads([...byKey.keys()]);
    const plans = new Map<string, Awaited<ReturnType<typeof planKey>>>();
    for (const [key, items] of byKey) plans.set(key, await planKey(store, heads.get(key) as LedgerHead, items, now));
    const commits: LedgerCommit[] = [...plans.values()].map((p) => p.commit);
    // A batch of only settled or waiting postbacks has nothing to commit.
    const outcome =
      commits.length || rejected.length
        ? await store.commitLedgers(commits, rejected, settings.version)
        : { conflicts: [], settingsChanged: false, kept: new Map<string, ConversionRecord>() };
    if (outcome.settingsChanged) continue;

    const conflicts = new Set(outcome.conflicts);
    const byId = new Map(pending.map((p) => [p.id, p]));
    for (const [key, plan] of plans) {
      if (conflicts.has(key)) continue;
      for (const [id, entry] of plan.entries) {
        const input = byId.get(id) as PostbackInput;
        // As written: a reversal the store kept on a conversion this commit rewrote reads as it is stored.
        const made = entry.conversion_id;
        const conversion = made ? (outcome.kept.get(made) ?? plan.commit.conversions.get(made) ?? null) : null;
        decided.set(id, settled(input, entry, true, conversion));
      }
    }
    // Reversals after the batch's conversions: one that came after its conversion finds it.
    for (const { input, prepared: p } of reversals) {
      const result = await applyReversal(store, input, p, rules, now);
      decided.set(
        input.id,
        result.kind === 'wait' ? { kind: 'click_not_yet_stored', retryInMs: result.retryInMs } : settled(input, ...result.settled),
      );
    }
    for (const [id, result] of decided) results.set(id, result);
    const retry = new Set([...conflicts].flatMap((key) => (byKey.get(key) ?? []).map((item) => item.entry.id)));
    pending = pending.filter((p) => retry.has(p.id));
  }
  // Those that waited and are settled now free their room (best effort: a room frees itself when its window ends).
  const waited = unique.filter((p) => p.waits > 0 && results.get(p.id)?.kind === 'settled').map((p) => p.id);
  await deps.clickWaits?.release(waited).catch(() => undefined);
  for (let i = 0; i < refused.size; i++) deps.onWaitRefused?.();
  return inputs.map((input) => results.get(input.id) as PostbackResult);
}

/**
 * Postbacks about to wait for their click for the first time ask for room; those
 * refused (UNKNOWN_CLICKID_MAX_WAITING postbacks wait already) are rejected
 * `unknown_clickid` at once instead, logged and replayable like any rejection.
 */
async function boundWaits(deps: ApplyDeps, prepared: Array<{ input: PostbackInput; prepared: Prepared }>, now: number): Promise<string[]> {
  const first = prepared.filter((p) => p.prepared.kind === 'wait' && p.input.waits === 0);
  if (!deps.clickWaits || first.length === 0) return [];
  const window = deps.rules.unknownClickidWindowMs;
  const admitted = await deps.clickWaits.admit(first.map(({ input }) => ({ id: input.id, until: input.job.receivedAt + window })));
  const refused = first.filter((p) => !admitted.has(p.input.id));
  for (const p of refused) p.prepared = { kind: 'reject', entry: refusedWait({ ...p.input, now }, deps.rules.unknownClickidMaxWaiting) };
  return refused.map((p) => p.input.id);
}
