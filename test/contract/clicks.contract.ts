import { expect } from 'chai';
import { type Store } from '../../shared/store/store.js';
import { buildClick } from '../helpers/builders.js';

/** Clicks: stored once per clickid. */
export function clickContract(store: () => Store): void {
  describe('clicks', () => {
    it('when a click is stored twice, then the first one stays and nothing fails', async () => {
      const click = buildClick({ subs: { sub1: 'a', sub10: 'z' }, external_id: 'ext' });
      await store().insertClick(click);
      await store().insertClick({ ...click, campaign_id: 'other' });
      expect(await store().getClick(click.clickid)).to.deep.equal(click);
      expect(await store().getClick('missing')).to.equal(null);
    });
  });
}
