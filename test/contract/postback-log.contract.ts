import { expect } from 'chai';
import { type Store } from '../../shared/store/store.js';
import { buildClick, buildConversion, buildLogEntry, projectionFor } from '../helpers/builders.js';

/** The postback log: rejections logged without overwriting an applied outcome. */
export function postbackLogContract(store: () => Store): void {
  describe('rejected postbacks', () => {
    it('when a rejected postback is logged, then it is listed by outcome with its reason', async () => {
      const entry = buildLogEntry({
        outcome: 'rejected',
        reason: 'unknown_type',
        detail: 'no type X',
        raw: { clickid: 'c1', status: ['a', 'b'] },
      });
      expect(await store().logRejected(entry)).to.deep.equal(entry);
      await store().logRejected(buildLogEntry({ outcome: 'rejected', reason: 'unknown_clickid' }));
      const page = await store().listPostbacks({ outcome: 'rejected' }, { limit: 1, cursor: null });
      expect(page.items).to.have.length(1);
      const all = await store().listPostbacks({ outcome: 'rejected' }, { limit: 10, cursor: null });
      expect(all.items.map((p) => p.reason).sort()).to.deep.equal(['unknown_clickid', 'unknown_type']);
    });

    it('when a postback was applied, then a later rejection of the same id does not replace it; an earlier rejection is replaced', async () => {
      const click = buildClick();
      const conversion = buildConversion(click);
      await store().writeProjection(projectionFor(conversion));
      const stored = await store().logRejected(buildLogEntry({ id: conversion.id, outcome: 'rejected', reason: 'unknown_type' }));
      expect(stored.outcome).to.equal('recorded');
      const rejected = buildLogEntry({ outcome: 'rejected', reason: 'unknown_type' });
      await store().logRejected(rejected);
      const replayed = { ...rejected, reason: 'token_mismatch' as const };
      expect(await store().logRejected(replayed)).to.deep.equal(replayed);
      expect(await store().getPostback(rejected.id)).to.deep.equal(replayed);
    });
  });
}
