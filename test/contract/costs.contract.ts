import { expect } from 'chai';
import type { SubFilter } from '../../shared/domain/costs.js';
import type { Click } from '../../shared/domain/entities.js';
import type { CostJobInput, Store } from '../../shared/store/store.js';
import { buildClick } from '../helpers/builders.js';

/** Cost updates and undo, as planCost plans them: part of the store contract, for every adapter. */
export function costContract(store: () => Store): void {
  describe('cost updates', () => {
    const day = Date.UTC(2026, 10, 20);
    const update = (id: string, micros: number, from: number, to: number, filter: SubFilter | null = null): CostJobInput => ({
      id,
      requested_at: day,
      request: {
        kind: 'update',
        campaign_id: 'a',
        from,
        to,
        tz: 'UTC',
        range_given: { from: '', to: '' },
        filter,
        cost: { micros, original_micros: micros, original_currency: 'USD', rate: '1' },
      },
    });
    const costs = async () =>
      Object.fromEntries(
        await Promise.all(clicks.map(async (c) => [c.clickid, (await store().getClick(c.clickid))?.cost_micros] as const)),
      );
    let clicks: Click[];
    beforeEach(async () => {
      clicks = [0, 1, 2].map((i) =>
        buildClick({ campaign_id: 'a', clickid: `c${i}`, ts: day + i * 3_600_000, subs: { sub2: i === 2 ? 'z' : 'y' } }),
      );
      clicks.push(
        buildClick({ campaign_id: 'a', clickid: 'c3', ts: day + 86_400_000 }),
        buildClick({ campaign_id: 'b', clickid: 'c4', ts: day }),
      );
      for (const c of clicks) await store().insertClick(c);
    });

    it('when a cost is spread, then the shares add up to it exactly, extra micros going to the earliest clicks, and rollups agree', async () => {
      const record = await store().applyCost(update('01U1', 10_000_000, day, day + 86_400_000), day);
      expect(record).to.include({ state: 'applied', clicks: 3 });
      expect(await costs()).to.deep.equal({ c0: 3_333_334, c1: 3_333_333, c2: 3_333_333, c3: 0, c4: 0 });
      const byCampaign = await store().aggregateClicks(['campaign'], { from: day, to: day + 2 * 86_400_000 }, {});
      expect(byCampaign.map((r) => [r.key.campaign, r.costMicros]).sort()).to.deep.equal([
        ['a', 10_000_000n],
        ['b', 0n],
      ]);
      const byBucket = await store().aggregateClicks([], { from: day, to: day + 86_400_000 }, {});
      expect(byBucket[0]?.costMicros).to.equal(10_000_000n);
    });

    it('when a later update covers part of an earlier one, then it wins there in either order of applying, and undo brings the earlier back', async () => {
      const wide = update('01U1', 9_000_000, day, day + 86_400_000);
      const narrow = update('01U2', 1_000_000, day, day + 86_400_000, { sub: 'sub2', value: 'z' });
      await store().applyCost(narrow, day);
      await store().applyCost(wide, day);
      expect(await costs()).to.deep.equal({ c0: 3_000_000, c1: 3_000_000, c2: 1_000_000, c3: 0, c4: 0 });
      expect(await store().applyCost(wide, day + 5)).to.include(
        { state: 'applied', processed_at: day },
        'a re-run answers the stored record',
      );
      const undo = await store().applyCost({ id: '01U3', requested_at: day, request: { kind: 'undo', campaign_id: 'a' } }, day);
      expect(undo).to.include({ state: 'applied', undoes: '01U2', clicks: 1 });
      expect(await costs()).to.deep.equal({ c0: 3_000_000, c1: 3_000_000, c2: 3_000_000, c3: 0, c4: 0 });
      expect(await store().getCost('01U2')).to.include({ state: 'undone', undone_by: '01U3' });
      await store().applyCost({ id: '01U4', requested_at: day, request: { kind: 'undo', campaign_id: 'a' } }, day);
      expect(await costs()).to.deep.equal({ c0: 0, c1: 0, c2: 0, c3: 0, c4: 0 });
      const none = await store().applyCost({ id: '01U5', requested_at: day, request: { kind: 'undo', campaign_id: 'a' } }, day);
      expect(none.state).to.equal('nothing_to_undo');
      const rows = await store().aggregateClicks(['campaign'], { from: null, to: null }, {});
      expect(rows.map((r) => r.costMicros)).to.deep.equal([0n, 0n]);
      expect((await store().listCosts({ campaign_id: 'a' }, { limit: 10, cursor: null })).items).to.have.length(5);
    });

    it('when a range holds no clicks, then the update says so and changes nothing', async () => {
      const record = await store().applyCost(update('01U1', 5_000_000, day + 5 * 86_400_000, day + 6 * 86_400_000), day);
      expect(record).to.include({ state: 'no_clicks', clicks: 0 });
      expect(Object.values(await costs())).to.deep.equal([0, 0, 0, 0, 0]);
    });
  });
}
