import { expect } from 'chai';
import type { OfferSource, PostbackParams } from '../../shared/domain/entities.js';
import type { Store } from '../../shared/store/store.js';
import { buildClick, buildConversion, buildLogEntry, putConversion } from '../helpers/builders.js';

/** What both stores answer alike where their engines would differ: empty totals, fields left undefined. */
export function shapesContract(store: () => Store): void {
  describe('answers the same on every store', () => {
    it('when a grouping-free aggregate matches nothing, then it is one row of zeros, for clicks and conversions', async () => {
      const range = { from: Date.UTC(2031, 0, 1), to: Date.UTC(2031, 0, 2) };
      const zero = { key: {}, count: 0, revenueMicros: 0n, costMicros: 0n, distinctClicks: 0 };
      for (const rows of [
        await store().aggregateClicks([], range, {}),
        await store().aggregateConversions([], range, {}),
        await store().aggregateConversions([], { from: null, to: null }, { campaign: 'no-such-campaign' }),
      ])
        expect(rows.map((r) => ({ ...r, key: { ...r.key } }))).to.deep.equal([zero]);
      const grouped = await store().aggregateConversions(['campaign'], range, {});
      expect(grouped, 'a grouping with nothing in it has no rows').to.deep.equal([]);
    });

    it('when a record is written with an optional field left undefined, then it reads back without that field, not with null', async () => {
      const source = {
        id: 's-undef',
        name: 'A',
        currency: null,
        default_status: 'approved',
        duplicate_mode: 'create_new',
        postback_token: null,
        ip_allowlist: [],
        test_mode: undefined,
        created_at: 1,
      } as unknown as OfferSource;
      await store().offerSources.put(source.id, source);
      const read = await store().offerSources.get(source.id);
      expect(read).to.not.have.property('test_mode');
      expect(Object.keys(read ?? {}).sort()).to.deep.equal(
        Object.keys(source)
          .filter((k) => k !== 'test_mode')
          .sort(),
      );

      const params: PostbackParams = {
        clickid: 'c-undef',
        payout: '1',
        status: null,
        type: null,
        event_id: null,
        currency: null,
        token_hash: null,
        subs: {},
        test: undefined,
        reversal: undefined,
      };
      const entry = buildLogEntry({ outcome: 'rejected', reason: 'unknown_clickid', params });
      await store().logRejected(entry);
      const logged = await store().getPostback(entry.id);
      expect(logged?.params).to.deep.equal(JSON.parse(JSON.stringify(params)));
    });

    it('when a postback arrives with parameter names a database could mistake for operators or paths, then the log keeps them as sent', async () => {
      const raw = { clickid: 'c-names', $ref: 'x', $id: '1', 'a.b': 'dotted', __proto__x: 'p', repeated: ['1', '2'] };
      const entry = buildLogEntry({ outcome: 'rejected', reason: 'invalid_params', clickid: 'c-names', raw });
      await store().logRejected(entry);
      expect((await store().getPostback(entry.id))?.raw).to.deep.equal(raw);
      const listed = await store().listPostbacks({ clickid: 'c-names' }, { limit: 5, cursor: null });
      expect(listed.items.map((e) => e.raw)).to.deep.equal([raw]);
    });

    it('when money adds up past 2^53 micros (about 9 billion), then sums stay exact to the micro, for revenue and cost, by day and in total', async () => {
      const big = 2 ** 52 + 1; // odd: a sum kept in doubles past 2^53 loses it
      const day = Date.UTC(2031, 5, 1);
      const clicks = [0, 1, 2].map((i) => buildClick({ campaign_id: 'c-big', ts: day + 1000 * i, cost_micros: big }));
      await store().insertClicks(clicks);
      for (const c of clicks) await putConversion(store(), buildConversion(c, { created_at: c.ts + 1, payout_micros: big }));
      const range = { from: day, to: day + 86_400_000 };
      const exact = 3n * BigInt(big);
      for (const groupBy of [[], ['campaign'], ['day']] as const) {
        const [conversions] = await store().aggregateConversions(groupBy, range, { campaign: 'c-big' });
        const [clicksRow] = await store().aggregateClicks(groupBy, range, { campaign: 'c-big' });
        expect(conversions?.revenueMicros, `revenue by ${groupBy.join(',') || 'nothing'}`).to.equal(exact);
        expect(clicksRow?.costMicros, `cost by ${groupBy.join(',') || 'nothing'}`).to.equal(exact);
      }
    });
  });
}
