import { expect } from 'chai';
import { type Store } from '../../shared/store/store.js';
import { buildClick, buildConversion, putConversion } from '../helpers/builders.js';

/** The conversion and postback logs, newest first, paged and filtered. */
export function listingContract(store: () => Store): void {
  describe('listing', () => {
    it('when many items share one timestamp, then pages cover each exactly once', async () => {
      const click = buildClick();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const conversion = buildConversion(click, { created_at: 5000 });
        ids.push(conversion.id);
        await putConversion(store(), conversion, { received_at: 1000 });
      }
      const seen: string[] = [];
      let cursor = null;
      do {
        const page: Awaited<ReturnType<Store['listPostbacks']>> = await store().listPostbacks({}, { limit: 3, cursor });
        seen.push(...page.items.map((p) => p.id));
        cursor = page.next;
      } while (cursor);
      expect(seen).to.deep.equal([...ids].sort().reverse());
      const conversions = await store().listConversions({}, { limit: 7, cursor: null });
      expect(conversions.items).to.have.length(7);
      expect(conversions.next).to.equal(null);
    });

    it('when conversions are filtered by type and status, then only matching ones come back', async () => {
      const click = buildClick();
      for (const [type, status] of [
        [null, 'approved'],
        ['Upsell', 'pending'],
        ['Upsell', 'approved'],
      ] as const) {
        await putConversion(store(), buildConversion(click, { type, status }));
      }
      const page = await store().listConversions({ type: 'Upsell', status: 'approved' }, { limit: 10, cursor: null });
      expect(page.items.map((c) => [c.type, c.status])).to.deep.equal([['Upsell', 'approved']]);
    });
  });
}
