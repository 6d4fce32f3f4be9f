import { expect } from 'chai';
import { DUPLICATE_MODES, type DuplicateMode } from '../../shared/domain/duplicate-modes.js';
import { EMPTY_FOLD, foldLedger, type LedgerEntry } from '../../shared/domain/duplicate-policy.js';
import type { ConversionRecord } from '../../shared/domain/entities.js';
import { emptyHead, idAt, inOrder, planAppend, planInsert, type LedgerHead, type LedgerRow } from '../../shared/domain/ledger.js';

/** A small deterministic PRNG, so a failing shuffle can be replayed from its seed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

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
  for (const mode of DUPLICATE_MODES) {
    it(`when ${mode} postbacks of one key arrive in any order, then conversions and outcomes equal the arrival-order fold`, () => {
      const entries = Array.from({ length: 12 }, (_, n) =>
        entry(n, mode, (n + 1) * 1000, (['approved', 'pending', 'declined'] as const)[n % 3], n % 4 === 3 ? null : 'E'),
      );
      const expected = foldLedger(entries);
      for (let seed = 1; seed <= 40; seed++) {
        const next = random(seed);
        const shuffled = [...entries].sort(() => next() - 0.5);
        const replay = applyInOrder(shuffled);
        const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
        expect([...replay.conversions.values()].sort(byId), `seed ${seed}`).to.deep.equal([...expected.conversions].sort(byId));
        expect(Object.fromEntries(replay.outcomes), `seed ${seed}`).to.deep.equal(
          Object.fromEntries([...expected.outcomes].map(([id, o]) => [id, o.outcome])),
        );
        expect(replay.head.state, `seed ${seed}`).to.deep.equal(
          foldLedger(entries).conversions.length ? { first: [...expected.conversions][0] } : EMPTY_FOLD,
        );
      }
    });
  }

  it('when the mode of one key changes between postbacks (settings edited), then any order still equals the arrival-order fold', () => {
    const modes: DuplicateMode[] = [
      'ignore',
      'create_new',
      'edit',
      'increment_payout',
      'new_or_repeated',
      'edit',
      'ignore',
      'increment_payout',
      'create_new',
      'edit',
    ];
    const entries = modes.map((mode, n) => entry(n, mode, (n + 1) * 100, (['approved', 'pending', 'declined'] as const)[n % 3]));
    const expected = foldLedger(entries);
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed);
      const replay = applyInOrder([...entries].sort(() => next() - 0.5));
      expect([...replay.conversions.keys()].sort(), `seed ${seed}`).to.deep.equal(expected.conversions.map((c) => c.id).sort());
      expect(
        [...replay.conversions.values()].find((c) => c.id === entries[0]?.id),
        `seed ${seed}`,
      ).to.deep.equal(expected.conversions[0]);
    }
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
