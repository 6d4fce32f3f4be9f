import { expect } from 'chai';
import { DAY_MS } from '../../shared/domain/time-zone.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildDelivery, buildLogEntry } from '../helpers/builders.js';

const DAY = Date.UTC(2026, 9, 1);

/** Retention: raw rows removed a batch at a time, the clicks' horizon, and reports that would need removed clicks refused. */
export function retentionContract(store: () => Store): void {
  describe('retention', () => {
    it('when clicks are removed in batches, then the oldest go first, the horizon moves first and never back, and the rollups keep counting them', async () => {
      for (let i = 0; i < 5; i++)
        await store().insertClick(buildClick({ clickid: `old-${i}`, ts: DAY + i * 3_600_000, subs: { sub1: `z${i}`, sub2: 'p' } }));
      await store().insertClick(buildClick({ clickid: 'kept', ts: DAY + 3 * DAY_MS, subs: { sub1: 'z0', sub2: 'p' } }));
      const whole = { from: DAY, to: DAY + 4 * DAY_MS };
      const byCampaign = await store().aggregateClicks(['campaign'], whole, {});
      expect(await store().clicksKeptFrom()).to.equal(null);

      expect(await store().removeClicksBefore(DAY + DAY_MS, 2)).to.equal(2);
      expect(await store().clicksKeptFrom()).to.equal(DAY + DAY_MS);
      expect([...(await store().getClicks(['old-0', 'old-1', 'old-2'])).keys()]).to.deep.equal(['old-2']);
      expect(await store().removeClicksBefore(DAY + DAY_MS, 10)).to.equal(3);
      expect(await store().removeClicksBefore(DAY, 10)).to.equal(0);
      expect(await store().clicksKeptFrom()).to.equal(DAY + DAY_MS);
      expect(await store().getClick('kept')).to.not.equal(null);

      expect(await store().aggregateClicks(['campaign'], whole, {})).to.deep.equal(byCampaign);
      const refused = await store()
        .aggregateClicks(['sub1', 'sub2'], whole, {})
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect(refused).to.deep.include({ httpStatus: 422, code: 'REPORT.RAW_DATA_REMOVED' });
      const kept = await store().aggregateClicks(['sub1', 'sub2'], { from: DAY + DAY_MS, to: whole.to }, {});
      expect(kept.map((r) => [r.key, r.count])).to.deep.equal([[{ sub1: 'z0', sub2: 'p' }, 1]]);
    });

    it('when postback log entries and deliveries are removed, then only those before the cutoff go, and a delivery not settled stays', async () => {
      for (const [id, at] of [
        ['p-old-1', DAY],
        ['p-old-2', DAY + 1000],
        ['p-new', DAY + DAY_MS],
      ] as const)
        await store().logRejected(buildLogEntry({ id, received_at: at, processed_at: at, outcome: 'rejected', reason: 'unknown_type' }));
      expect(await store().removePostbacksBefore(DAY + DAY_MS, 1)).to.equal(1);
      expect(await store().getPostback('p-old-1')).to.equal(null);
      expect(await store().removePostbacksBefore(DAY + DAY_MS, 10)).to.equal(1);
      expect([...(await store().getPostbacks(['p-old-1', 'p-old-2', 'p-new'])).keys()]).to.deep.equal(['p-new']);

      for (const [id, state, at] of [
        ['d-delivered', 'delivered', DAY],
        ['d-failed', 'failed', DAY],
        ['d-not-sent', 'not_sent', DAY],
        ['d-retrying', 'retrying', DAY],
        ['d-queued', 'queued', DAY],
        ['d-new', 'delivered', DAY + DAY_MS],
      ] as const)
        await store().createDelivery(buildDelivery({ id, state, created_at: at }));
      expect(await store().removeDeliveriesBefore(DAY + DAY_MS, 10)).to.equal(3);
      const left = await Promise.all(
        ['d-delivered', 'd-failed', 'd-not-sent', 'd-retrying', 'd-queued', 'd-new'].map((id) => store().getDelivery(id)),
      );
      expect(left.map((d) => d?.id ?? null)).to.deep.equal([null, null, null, 'd-retrying', 'd-queued', 'd-new']);
    });
  });
}
