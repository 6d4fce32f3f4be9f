import { expect } from 'chai';
import type { OfferSource } from '../../shared/domain/entities.js';
import { type Store } from '../../shared/store/store.js';

/** Settings: each kind of record put, got, listed and deleted by key. */
export function settingsContract(store: () => Store): void {
  describe('settings', () => {
    it('when a record is put twice under one key, then the second replaces the first', async () => {
      const source: OfferSource = {
        id: 's1',
        name: 'A',
        currency: null,
        default_status: 'approved',
        duplicate_mode: 'create_new',
        postback_token: null,
        ip_allowlist: [],
        test_mode: false,
        created_at: 1,
      };
      await store().offerSources.put('s1', source);
      await store().offerSources.put('s1', { ...source, name: 'B' });
      expect(await store().offerSources.get('s1')).to.deep.equal({ ...source, name: 'B' });
      expect(await store().offerSources.list()).to.have.length(1);
      expect(await store().offerSources.delete('s1')).to.equal(true);
      expect(await store().offerSources.delete('s1')).to.equal(false);
      expect(await store().offerSources.get('s1')).to.equal(null);
    });

    it('when conversion types differ only in case, then they are two types', async () => {
      const type = { duplicate_mode: null, journey: false, send_to_channel: false, created_at: 1 };
      await store().conversionTypes.put('Upsell', { name: 'Upsell', ...type });
      await store().conversionTypes.put('upsell', { name: 'upsell', ...type });
      expect((await store().conversionTypes.list()).map((t) => t.name).sort()).to.deep.equal(['Upsell', 'upsell']);
    });
  });
}
