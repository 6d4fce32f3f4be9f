import { expect } from 'chai';
import fc from 'fast-check';
import { DUPLICATE_MODES, type DuplicateMode } from '../../shared/domain/duplicate-modes.js';
import { foldLedger, type LedgerEntry } from '../../shared/domain/duplicate-policy.js';
import type { ConversionRecord } from '../../shared/domain/entities.js';
import { emptyHead, idAt, inOrder, planAppend, planInsert, type LedgerHead, type LedgerRow } from '../../shared/domain/ledger.js';

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
}

/** Applies entries in the given order the way the worker does: a step when in order, a re-fold of the rows after it when not. */
function applyInOrder(entries: LedgerEntry[]): Replay {
  const state: Replay = { head: emptyHead('k'), rows: new Map(), conversions: new Map(), outcomes: new Map() };
  for (const e of entries) {
    const sorted = [...state.rows.values()].sort((a, b) => (a.entry.id < b.entry.id ? -1 : 1));
    const plan = inOrder(state.head, e)
      ? planAppend(state.head, e, 0)
      : planInsert(
          state.head,
          e,
          sorted.filter((r) => r.entry.id < e.id).pop() ?? null,
          sorted.filter((r) => r.entry.id > e.id),
        );
    state.head = plan.head;
    for (const r of plan.rows) state.rows.set(r.entry.id, r);
    for (const c of plan.conversions) state.conversions.set(c.id, c);
    for (const id of plan.removedConversionIds) state.conversions.delete(id);
    for (const ch of plan.outcomeChanges) state.outcomes.set(ch.id, ch.outcome);
    state.outcomes.set(e.id, plan.outcome.outcome);
  }
  return state;
}

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

  it('when the postbacks of one key arrive in any order, then conversions and outcomes equal the arrival-order fold (property)', () => {
    fc.assert(
      fc.property(
        entriesArb.chain((entries) => fc.tuple(fc.constant(entries), fc.shuffledSubarray(entries, { minLength: entries.length }))),
        ([entries, arrival]) => {
          const expected = foldLedger(entries);
          const replay = applyInOrder(arrival);
          expect([...replay.conversions.values()].sort(byId)).to.deep.equal([...expected.conversions].sort(byId));
          expect(Object.fromEntries(replay.outcomes)).to.deep.equal(outcomesOf(expected));
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
