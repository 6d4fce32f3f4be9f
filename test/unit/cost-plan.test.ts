import { expect } from 'chai';
import fc from 'fast-check';
import { moveClicks, planCost, type CostClick, type Share } from '../../shared/domain/cost-plan.js';
import type { CostRecord, CostRequest } from '../../shared/domain/costs.js';

const BUCKET = 900_000;
const T0 = Date.UTC(2026, 10, 20, 12);
const click = (n: number, overrides: Partial<CostClick> = {}): CostClick => ({
  clickid: `c${n}`,
  ts: T0 + n * 60_000,
  campaign_id: 'cmp',
  offer_id: 'o',
  offer_source_id: 's',
  traffic_channel_id: 't',
  cost_micros: 0,
  subs: {},
  ...overrides,
});
const update = (micros: number): CostRequest => ({
  kind: 'update',
  campaign_id: 'cmp',
  from: T0,
  to: T0 + 86_400_000,
  tz: 'UTC',
  range_given: { from: '2026-11-20', to: '2026-11-20' },
  filter: null,
  cost: { micros, original_micros: micros, original_currency: 'USD', rate: '1' },
});
const job = (id: string, request: CostRequest) => ({ id, requested_at: T0, request });

describe('cost planner', () => {
  it('when a cost does not divide evenly, then the remainder micros go one each to the earliest clicks and the shares add up to it', () => {
    const plan = planCost(job('01U2', update(10)), T0, { kind: 'update', clicks: [click(1), click(2), click(3)], shares: [] }, BUCKET);
    expect(plan.addShares.map((s) => s.micros)).to.deep.equal([4, 3, 3]);
    expect(plan.clickCosts).to.deep.equal([
      { clickid: 'c1', cost_micros: 4 },
      { clickid: 'c2', cost_micros: 3 },
      { clickid: 'c3', cost_micros: 3 },
    ]);
    // All three clicks are in one 15-minute bucket and one placement: one rollup change.
    expect(plan.rollupDeltas.map((d) => d.delta)).to.deep.equal([10]);
    expect(plan.record).to.deep.include({ state: 'applied', clicks: 3, undoes: null });
  });

  it('when a newer update already covers a click, then an older one applied later leaves that click at the newer cost', () => {
    const shares: Share[] = [{ clickid: 'c1', update_id: '01U9', micros: 7 }];
    const plan = planCost(job('01U2', update(6)), T0, { kind: 'update', clicks: [click(1, { cost_micros: 7 }), click(2)], shares }, BUCKET);
    expect(plan.addShares).to.deep.equal([
      { clickid: 'c1', update_id: '01U2', micros: 3 },
      { clickid: 'c2', update_id: '01U2', micros: 3 },
    ]);
    expect(plan.clickCosts).to.deep.equal([{ clickid: 'c2', cost_micros: 3 }]);
    expect(plan.rollupDeltas.map((d) => d.delta)).to.deep.equal([3]);
  });

  it('when the last update is undone, then its shares go and each click falls back to the update before it', () => {
    const target: CostRecord = {
      id: '01U5',
      requested_at: T0,
      processed_at: T0,
      request: update(20),
      state: 'applied',
      clicks: 2,
      undoes: null,
      undone_by: null,
    };
    const shares: Share[] = [
      { clickid: 'c1', update_id: '01U1', micros: 4 },
      { clickid: 'c1', update_id: '01U5', micros: 10 },
      { clickid: 'c2', update_id: '01U5', micros: 10 },
    ];
    const clicks = [click(1, { cost_micros: 10 }), click(2, { cost_micros: 10, ts: T0 + 2 * BUCKET })];
    const plan = planCost(job('01U7', { kind: 'undo', campaign_id: 'cmp' }), T0, { kind: 'undo', target, clicks, shares }, BUCKET);
    expect(plan.removeSharesOf).to.equal('01U5');
    expect(plan.clickCosts).to.deep.equal([
      { clickid: 'c1', cost_micros: 4 },
      { clickid: 'c2', cost_micros: 0 },
    ]);
    expect(plan.rollupDeltas.map((d) => [d.click.clickid, d.delta])).to.deep.equal([
      ['c1', -6],
      ['c2', -10],
    ]);
    expect(plan.undone).to.deep.include({ id: '01U5', state: 'undone', undone_by: '01U7' });
    expect(plan.record).to.deep.include({ state: 'applied', undoes: '01U5', clicks: 2 });
  });

  it('when there are no clicks, or nothing to undo, then the plan writes only its record', () => {
    const none = planCost(job('01U2', update(5)), T0, { kind: 'update', clicks: [], shares: [] }, BUCKET);
    const nothing = planCost(
      job('01U3', { kind: 'undo', campaign_id: 'cmp' }),
      T0,
      { kind: 'undo', target: null, clicks: [], shares: [] },
      BUCKET,
    );
    for (const [plan, state] of [
      [none, 'no_clicks'],
      [nothing, 'nothing_to_undo'],
    ] as const) {
      expect(plan.record.state).to.equal(state);
      expect([plan.addShares, plan.clickCosts, plan.rollupDeltas, plan.removeSharesOf, plan.undone]).to.deep.equal([
        [],
        [],
        [],
        null,
        null,
      ]);
    }
  });

  it('when any cost is spread over any clicks, then the click costs add up to it and the rollup deltas to the change in click costs (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000_000 }),
        fc.array(fc.record({ minute: fc.integer({ min: 0, max: 1439 }), channel: fc.constantFrom('t1', 't2') }), { maxLength: 60 }),
        (total, specs) => {
          const clicks = specs.map((s, n) => click(n, { ts: T0 + s.minute * 60_000, traffic_channel_id: s.channel }));
          const plan = planCost(job('01U2', update(total)), T0, { kind: 'update', clicks, shares: [] }, BUCKET);
          const costs = plan.clickCosts.reduce((sum, c) => sum + c.cost_micros, 0);
          expect(costs).to.equal(clicks.length ? total : 0);
          expect(plan.rollupDeltas.reduce((sum, d) => sum + d.delta, 0)).to.equal(costs);
        },
      ),
      { seed: 20261130, numRuns: 300 },
    );
  });

  it('when a plan is written in parts (any split of its clicks), then the parts move the rollups by what the whole plan does, and a part applied again moves nothing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 50 }), fc.constantFrom('z1', 'z2', undefined)), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 7 }),
        (rows, micros, size) => {
          const clicks = rows.map(([minute, cost, sub], n) =>
            click(n, { ts: T0 + minute * 60_000, cost_micros: cost, subs: sub === undefined ? {} : { sub1: sub } }),
          );
          const whole = planCost(job('01U9', update(micros)), T0, { kind: 'update', clicks, shares: [] }, BUCKET);
          const costs = new Map(whole.clickCosts.map((c) => [c.clickid, c.cost_micros]));
          const sum = (deltas: Array<{ delta: number }>) => deltas.reduce((n, d) => n + d.delta, 0);
          let moved = 0;
          let subMoved = 0;
          for (let i = 0; i < clicks.length; i += size) {
            const part = moveClicks(clicks.slice(i, i + size), costs, BUCKET);
            moved += sum(part.rollupDeltas);
            subMoved += sum(part.subRollupDeltas);
            // The same part again, its clicks now at their new cost: nothing to move.
            const settled = clicks.slice(i, i + size).map((c) => ({ ...c, cost_micros: costs.get(c.clickid) ?? c.cost_micros }));
            const again = moveClicks(settled, costs, BUCKET);
            expect(again.clickCosts).to.deep.equal([]);
            expect(again.rollupDeltas).to.deep.equal([]);
          }
          expect(moved).to.equal(sum(whole.rollupDeltas));
          expect(subMoved).to.equal(sum(whole.subRollupDeltas));
        },
      ),
      { seed: 24, numRuns: 200 },
    );
  });
});
