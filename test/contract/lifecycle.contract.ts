import { expect } from 'chai';
import type { Reversal } from '../../shared/domain/entities.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildConversion, buildLogEntry, putConversion } from '../helpers/builders.js';

const by = (reason: Reversal['reason'], at: number): Omit<Reversal, 'previous_status'> => ({
  reason,
  reversed_at: at,
  source: 'api',
  postback_id: null,
  ip: '198.51.100.7',
  request_id: 'req-9',
  note: null,
});

/** Reversals and test conversions: what the stores keep apart, and what reports read of them. */
export function lifecycleContract(store: () => Store): void {
  describe('conversion lifecycle', () => {
    const day = Date.UTC(2026, 10, 20);
    const range = { from: day, to: day + 86_400_000 };

    it('when a conversion is reversed, then it reads declined with its reversal, aggregates count it as reversed, and it cannot be reversed twice', async () => {
      const click = buildClick({ ts: day + 1000 });
      await store().insertClick(click);
      const kept = buildConversion(click, { created_at: day + 2000, payout_micros: 1_100_000 });
      const taken = buildConversion(click, { created_at: day + 3000, payout_micros: 2_200_000, event_id: 'order-2' });
      await putConversion(store(), kept);
      await putConversion(store(), taken);

      const reversed = await store().reverseConversion({ match: { id: taken.id }, reversal: by('refund', day + 5000), entry: null });
      expect(reversed.kind).to.equal('reversed');
      const read = await store().getConversion(taken.id);
      expect(read).to.deep.include({ status: 'declined', test: false });
      expect(read?.reversal).to.deep.equal({ ...by('refund', day + 5000), previous_status: 'approved' });
      expect((await store().reverseConversion({ match: { id: taken.id }, reversal: by('fraud', day + 6000), entry: null })).kind).to.equal(
        'already_reversed',
      );
      expect((await store().reverseConversion({ match: { id: 'nope' }, reversal: by('fraud', day), entry: null })).kind).to.equal(
        'not_found',
      );

      const byStatus = await store().aggregateConversions(['status'], range, {});
      const rows = Object.fromEntries(byStatus.map((r) => [r.key.status, [r.count, r.revenueMicros]]));
      expect(rows).to.deep.equal({ approved: [1, 1_100_000n], reversed: [1, 2_200_000n] });
      const [split] = await store().aggregateConversions([], range, {}, { split: true });
      expect(split?.revenueMicros).to.equal(3_300_000n);
      // A type's revenue is net of reversals; its count keeps the reversed one.
      expect(split?.split?.byType.get(null)).to.deep.equal({ count: 2, revenueMicros: 1_100_000n });
      // A declined filter on the log finds reversed conversions too.
      const declined = await store().listConversions({ status: 'declined' }, { limit: 10, cursor: null });
      expect(declined.items.map((c) => c.id)).to.deep.equal([taken.id]);
    });

    it('when a reversal names a click and type, then the newest conversion not yet reversed is taken back (with its event id, if given)', async () => {
      const click = buildClick({ ts: day + 1000 });
      await store().insertClick(click);
      const first = buildConversion(click, { type: 'Sale', created_at: day + 2000, event_id: 'o-1' });
      const second = buildConversion(click, { type: 'Sale', created_at: day + 3000, event_id: 'o-2' });
      await putConversion(store(), first);
      await putConversion(store(), second);
      const match = { clickid: click.clickid, type: 'Sale', test: false };
      const one = await store().reverseConversion({
        match: { ...match, event_id: 'o-1' },
        reversal: by('chargeback', day + 4000),
        entry: null,
      });
      expect(one.kind === 'reversed' && one.conversion.id).to.equal(first.id);
      const next = await store().reverseConversion({
        match: { ...match, event_id: null },
        reversal: by('chargeback', day + 4000),
        entry: null,
      });
      expect(next.kind === 'reversed' && next.conversion.id).to.equal(second.id);
      // Every match taken back already: a repeat, naming the newest.
      const repeat = await store().reverseConversion({
        match: { ...match, event_id: null },
        reversal: by('chargeback', day + 4000),
        entry: null,
      });
      expect(repeat.kind === 'already_reversed' && repeat.conversion.id).to.equal(second.id);
      const none = await store().reverseConversion({
        match: { ...match, clickid: 'no-such-click', event_id: null },
        reversal: by('chargeback', day + 4000),
        entry: null,
      });
      expect(none.kind).to.equal('not_found');
    });

    it('when a re-fold replaces a reversed conversion with another of its click and type, then the replacement is reversed and the money stays out', async () => {
      const click = buildClick({ ts: day + 1000 });
      await store().insertClick(click);
      const replaced = buildConversion(click, { type: 'Sale', created_at: day + 3000, payout_micros: 4_000_000 });
      await putConversion(store(), replaced);
      await store().reverseConversion({ match: { id: replaced.id }, reversal: by('chargeback', day + 4000), entry: null });
      // A late postback received earlier becomes the key's original (as under `ignore`): one conversion out, another in.
      const original = buildConversion(click, { type: 'Sale', created_at: day + 2000, payout_micros: 4_000_000 });
      await store().writeProjection({
        conversions: [original],
        removedConversionIds: [replaced.id],
        logUpdates: [],
        entry: buildLogEntry({ id: original.id, clickid: click.clickid, type: 'Sale', conversion_id: original.id }),
      });
      expect(await store().getConversion(replaced.id)).to.equal(null);
      const now = await store().getConversion(original.id);
      expect(now).to.deep.include({ status: 'declined' });
      expect(now?.reversal?.reason).to.equal('chargeback');
      const byStatus = await store().aggregateConversions(['status'], range, {});
      expect(byStatus.map((r) => [r.key.status, r.count, r.revenueMicros])).to.deep.equal([['reversed', 1, 4_000_000n]]);
    });

    it('when test conversions are written, then the log shows them marked, no aggregate counts them, and a purge removes them with their log entries', async () => {
      const click = buildClick({ ts: day + 1000 });
      await store().insertClick(click);
      const real = buildConversion(click, { created_at: day + 2000, payout_micros: 5_000_000 });
      const test = buildConversion(click, { created_at: day + 3000, payout_micros: 7_000_000, test: true });
      await putConversion(store(), real);
      await putConversion(store(), test, { test: true });

      const all = await store().listConversions({}, { limit: 1, cursor: null });
      expect(all.items.map((c) => [c.id, c.test])).to.deep.equal([[test.id, true]]);
      const rest = await store().listConversions({}, { limit: 1, cursor: all.next });
      expect(rest.items.map((c) => [c.id, c.test])).to.deep.equal([[real.id, false]]);
      expect(rest.next).to.equal(null);
      expect((await store().listConversions({ test: true }, { limit: 10, cursor: null })).items.map((c) => c.id)).to.deep.equal([test.id]);
      expect((await store().getConversion(test.id))?.test).to.equal(true);
      const [total] = await store().aggregateConversions([], range, {});
      expect([total?.count, total?.revenueMicros]).to.deep.equal([1, 5_000_000n]);

      expect(await store().purgeTestData()).to.deep.equal({ conversions: 1, postbacks: 1 });
      expect(await store().getConversion(test.id)).to.equal(null);
      expect(await store().getConversion(real.id)).to.not.equal(null);
      expect((await store().listPostbacks({ test: true }, { limit: 10, cursor: null })).items).to.deep.equal([]);
    });
  });
}
