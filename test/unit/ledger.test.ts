import { expect } from 'chai';
import fc from 'fast-check';
import { DUPLICATE_MODES, type DuplicateMode } from '../../shared/domain/duplicate-modes.js';
import { foldLedger, type LedgerEntry } from '../../shared/domain/duplicate-policy.js';
import type { ConversionRecord } from '../../shared/domain/entities.js';
import { emptyHead, idAt, planAppend, planInsert, type LedgerHead, type LedgerRow } from '../../shared/domain/ledger.js';
import type { LedgerSuffix } from '../../shared/store/store.js';
import type { BareLog } from '../../services/worker/prepare-postback.js';
import { planKey } from '../../services/worker/plan-key.js';

const entry = (
  n: number,
  mode: DuplicateMode,
  payout: number,
  status: 'approved' | 'pending' | 'declined' = 'approved',
  eventId: string | null = null,
): LedgerEntry => ({
  id: `01JAAAAAAA${String(n).padStart(16, '0')}`,
  received_at: 1_700_000_000_000 + n,
  mode,
  clickid: 'c1',
  type: null,
  click: { campaign_id: 'cmp', offer_id: 'o', offer_source_id: 's', traffic_channel_id: 't', subs: {} },
  carried: { status, payout_micros: payout, currency: null, event_id: eventId, subs: { sub1: `s${n}` } },
  defaults: { status: 'approved', payout_micros: 0, currency: 'USD' },
});

interface Replay {
  head: LedgerHead;
  rows: Map<string, LedgerRow>;
  conversions: Map<string, ConversionRecord>;
  outcomes: Map<string, string>;
  /** How many times the planner read a key's rows back (once per batch at most). */
  reads: number;
}

const bare = (e: LedgerEntry): BareLog => ({
  id: e.id,
  received_at: e.received_at,
  processed_at: e.received_at,
  request_id: null,
  method: 'GET',
  ip: null,
  raw: {},
  clickid: e.clickid,
  type: e.type,
  campaign_id: null,
  offer_source_id: null,
  params: null,
  test: false,
});

/**
 * Applies batches the way the worker does, through its own planner (`planKey`), and
 * commits each plan as a store would: rows replaced by id, conversions written or
 * removed, log entries written, then the outcomes a re-fold changed. The one read the
 * planner makes is answered from the rows committed so far, as the stores answer it.
 */
async function applyInBatches(batches: LedgerEntry[][]): Promise<Replay> {
  const state: Replay = { head: emptyHead('k'), rows: new Map(), conversions: new Map(), outcomes: new Map(), reads: 0 };
  const ledger = {
    loadLedgerSuffix: (_key: string, fromId: string): Promise<LedgerSuffix> => {
      state.reads++;
      const sorted = [...state.rows.values()].sort((a, b) => (a.entry.id < b.entry.id ? -1 : 1));
      return Promise.resolve({
        predecessor: sorted.filter((r) => r.entry.id < fromId).pop() ?? null,
        rows: sorted.filter((r) => r.entry.id >= fromId),
      });
    },
  };
  for (const batch of batches) {
    const { commit } = await planKey(
      ledger,
      state.head,
      batch.map((entry) => ({ entry, log: bare(entry) })),
      0,
    );
    expect(commit.expectedVersion).to.equal(state.head.version);
    // Every postback of the batch is logged, a redelivered one as the ledger already has it.
    expect(commit.entries.map((e) => e.id).sort()).to.deep.equal(batch.map((e) => e.id).sort());
    state.head = commit.head;
    for (const r of commit.rows) state.rows.set(r.entry.id, r);
    for (const [id, c] of commit.conversions) {
      if (c) state.conversions.set(id, c);
      else state.conversions.delete(id);
    }
    for (const e of commit.entries) state.outcomes.set(e.id, e.outcome);
    for (const u of commit.logUpdates) state.outcomes.set(u.id, u.outcome);
  }
  return state;
}

/** Cuts a sequence into batches at the given points. */
const cut = <T>(items: readonly T[], points: readonly number[]): T[][] => {
  const at = [...new Set(points.map((p) => p % (items.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let from = 0;
  for (const p of [...at, items.length]) {
    if (p > from) out.push(items.slice(from, p));
    from = Math.max(from, p);
  }
  return out;
};

describe('the ledger: one step per postback, re-folds only behind a late one', () => {
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
  const STATUSES_ARB = fc.constantFrom('approved', 'pending', 'declined');
  /** Up to 14 postbacks of one key: each with its own mode (settings may change between them), payout, status and event id. */
  const entriesArb = fc
    .array(
      fc.record({
        mode: fc.constantFrom(...DUPLICATE_MODES),
        payout: fc.integer({ min: 0, max: 5_000_000 }),
        status: STATUSES_ARB,
        eventId: fc.constantFrom('E', 'F', null),
      }),
      { minLength: 1, maxLength: 14 },
    )
    .map((specs) => specs.map((x, n) => entry(n, x.mode, x.payout, x.status, x.eventId)));
  const outcomesOf = (fold: ReturnType<typeof foldLedger>) => Object.fromEntries([...fold.outcomes].map(([id, o]) => [id, o.outcome]));

  it('when the postbacks of one key arrive in any order, in batches of any size, some delivered twice, then conversions and outcomes equal the arrival-order fold (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        entriesArb.chain((entries) =>
          fc.tuple(
            fc.constant(entries),
            fc.shuffledSubarray(entries, { minLength: entries.length }),
            fc.array(fc.nat(), { maxLength: 6 }),
            fc.subarray(entries),
          ),
        ),
        async ([entries, arrival, points, again]) => {
          const expected = foldLedger(entries);
          // BullMQ delivers at least once: a batch may come again after it was committed.
          const replay = await applyInBatches([...cut(arrival, points), ...(again.length ? [again] : [])]);
          expect([...replay.conversions.values()].sort(byId)).to.deep.equal([...expected.conversions].sort(byId));
          expect(Object.fromEntries(replay.outcomes)).to.deep.equal(outcomesOf(expected));
          expect(replay.head.lastId).to.equal(entries[entries.length - 1]?.id);
        },
      ),
      { seed: 20261130, numRuns: 300 },
    );
  });

  it('when entries are folded one step at a time, then the head equals folding them all at once (property)', () => {
    fc.assert(
      fc.property(entriesArb, (entries) => {
        let head = emptyHead('k');
        const conversions = new Map<string, ConversionRecord>();
        for (const e of entries) {
          const plan = planAppend(head, e, 0);
          head = plan.head;
          for (const c of plan.conversions) conversions.set(c.id, c);
          for (const id of plan.removedConversionIds) conversions.delete(id);
        }
        const atOnce = foldLedger(entries);
        expect([...conversions.values()].sort(byId)).to.deep.equal([...atOnce.conversions].sort(byId));
        expect(head.lastId).to.equal(entries[entries.length - 1]?.id);
        expect(head.state.first?.id ?? null).to.equal(atOnce.conversions.length ? [...atOnce.conversions].sort(byId)[0]?.id : null);
      }),
      { seed: 20261130, numRuns: 300 },
    );
  });

  it('when postbacks arrive in order, then each plan is one row and at most one conversion, however long the history', () => {
    let head = emptyHead('k');
    for (let n = 0; n < 5000; n++) {
      const plan = planAppend(head, entry(n, 'increment_payout', 1), 0);
      expect(plan.rows).to.have.length(1);
      expect(plan.conversions).to.have.length(1);
      head = plan.head;
    }
    expect(head.state.first?.payout_micros).to.equal(5000);
    expect(JSON.stringify(head).length, 'the head does not grow with the history').to.be.below(2000);
  });

  it('when an ignore key gets an earlier postback late, then it becomes the original and the former one is ignored and removed', () => {
    const [a, b] = [entry(1, 'ignore', 1000), entry(2, 'ignore', 2000)];
    const after = planAppend(emptyHead('k'), b, 0);
    const late = planInsert(after.head, a, null, after.rows);
    expect(late.outcome).to.deep.include({ outcome: 'recorded', conversion_id: a.id });
    expect(late.outcomeChanges).to.deep.equal([{ id: b.id, outcome: 'ignored_duplicate', conversion_id: a.id, detail: null }]);
    expect(late.removedConversionIds).to.deep.equal([b.id]);
    expect(late.conversions.map((c) => c.id)).to.deep.equal([a.id]);
  });

  it('when a key has history older than the window, then an in-order apply compacts it, at most every ten minutes', () => {
    const now = Date.UTC(2026, 10, 30, 12);
    const at = (ms: number, suffix: string) => ({ ...entry(1, 'create_new', 1), id: `${idAt(ms).slice(0, 10)}AAAAAAAAAAAAAAA${suffix}` });
    const old = planAppend(emptyHead('k'), at(now - 3 * 3600_000, 'A'), now - 3 * 3600_000);
    expect(old.compactBefore, 'nothing before the first entry').to.equal(null);
    const fresh = planAppend(old.head, at(now, 'B'), now);
    expect(fresh.compactBefore).to.equal(idAt(now - 3600_000));
    expect(fresh.head.compactedTo).to.equal(idAt(now - 3600_000));
    const again = planAppend(fresh.head, at(now + 60_000, 'C'), now + 60_000);
    expect(again.compactBefore, 'a minute later there is nothing worth compacting').to.equal(null);
  });
});
