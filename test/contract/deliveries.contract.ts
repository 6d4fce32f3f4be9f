import { expect } from 'chai';
import type { Store } from '../../shared/store/store.js';
import { buildDelivery } from '../helpers/builders.js';

/** The delivery log: created once per id, updated, listed newest first by state. */
export function deliveryContract(store: () => Store): void {
  describe('deliveries', () => {
    it('when a delivery is created twice, then the first stays; updates replace it and listing filters by state', async () => {
      const delivery = buildDelivery({ id: 'conv1-approved' });
      expect(await store().createDelivery(delivery)).to.deep.equal(delivery);
      const delivered = { ...delivery, state: 'delivered' as const, attempts: 2, http_status: 200 };
      await store().updateDelivery(delivered);
      expect(await store().createDelivery(delivery)).to.deep.equal(delivered);
      await store().createDelivery(buildDelivery({ id: 'conv2-approved', conversion_id: 'conv2' }));
      const page = await store().listDeliveries({ state: 'queued' }, { limit: 10, cursor: null });
      expect(page.items.map((d) => d.id)).to.deep.equal(['conv2-approved']);
      expect(await store().getDelivery('nope')).to.equal(null);
    });

    it('when a delivery that was never created is updated, then nothing is stored (an update never creates one)', async () => {
      await store().updateDelivery({ ...buildDelivery({ id: 'ghost-approved' }), state: 'delivered' });
      expect(await store().getDelivery('ghost-approved')).to.equal(null);
    });
  });
}
