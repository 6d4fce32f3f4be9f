import type { Conversion, ConversionRecord } from '../../domain/entities.js';
import { ALREADY, pickReversalTarget, pickReversedAlready, reversed, storedStatuses } from '../../domain/reversal.js';
import type { ConversionFilter, ConversionRepository, Page, PageQuery, ReversalResult } from '../store.js';
import { fromConversionDoc, page, timeRange, type MongoContext } from './common.js';
import type { MongoProjectionWriter } from './ledgers.js';
import type { Doc } from './models.js';

/**
 * Conversions as the API reads them, with the ids of the postbacks applied to each (from
 * the log); test conversions are in a collection of their own, the log shows both merged.
 * Reversals and the test purge write through the projection writer, in a transaction.
 */
export function createMongoConversions(context: MongoContext, writer: MongoProjectionWriter): ConversionRepository {
  const { conversions, testConversions, postbacks, db, inTransaction } = context;
  // postback_ids of conversions, from the log: every applied postback names its conversion.
  const withPostbackIds = async (docs: ReadonlyArray<readonly [Doc, boolean]>): Promise<Conversion[]> => {
    const applied = await postbacks
      .find(
        { conversion_id: { $in: docs.map(([d]) => d._id) }, outcome: { $in: ['recorded', 'updated', 'incremented'] } },
        { projection: { _id: 1, conversion_id: 1 } },
      )
      .sort({ _id: 1 })
      .toArray();
    return docs.map(([doc, test]) => ({
      ...fromConversionDoc(doc, test),
      postback_ids: applied.filter((p) => p.conversion_id === doc._id).map((p) => p._id),
    }));
  };
  const pageOf = async (test: boolean, filter: Omit<ConversionFilter, 'test'>, query: PageQuery): Promise<Page<Doc>> => {
    const { campaign_id, offer_source_id, from, to, status, ...rest } = filter;
    const statuses = storedStatuses(status);
    const where = {
      ...rest,
      ...(statuses ? { status: { $in: statuses } } : {}),
      'click.campaign_id': campaign_id,
      'click.offer_source_id': offer_source_id,
      created_at: timeRange(from, to),
    };
    return page<Doc, Doc>(test ? testConversions : conversions, 'created_at', where, query, '_id');
  };
  return {
    getConversion: async (id) => {
      const real = await conversions.findOne({ _id: id });
      const doc = real ?? (await testConversions.findOne({ _id: id }));
      return doc ? ((await withPostbackIds([[doc, !real]]))[0] ?? null) : null;
    },
    listConversions: async ({ test, ...filter }, query) => {
      const pages = await Promise.all(
        (test === undefined ? [false, true] : [test]).map(async (t) => ({ t, found: await pageOf(t, filter, query) })),
      );
      const merged = pages
        .flatMap(({ t, found }) => found.items.map((doc) => [doc, t] as const))
        .sort(([a], [b]) => Number(b.created_at) - Number(a.created_at) || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0));
      const items = merged.slice(0, query.limit);
      const more = merged.length > query.limit || pages.some((p) => p.found.next !== null);
      const last = items[items.length - 1]?.[0];
      return { items: await withPostbackIds(items), next: more && last ? { t: Number(last.created_at), id: last._id } : null };
    },
    reverseConversion: (request) =>
      inTransaction(async (session): Promise<ReversalResult> => {
        const { match } = request;
        let target: ConversionRecord | null;
        if ('id' in match) {
          const real = await conversions.findOne({ _id: match.id }, { session });
          const doc = real ?? (await testConversions.findOne({ _id: match.id }, { session }));
          target = doc ? fromConversionDoc(doc, !real) : null;
          if (target?.reversal) return { kind: 'already_reversed', conversion: target };
        } else {
          const docs = await (match.test ? testConversions : conversions)
            .find({ clickid: match.clickid, type: match.type }, { session })
            .toArray();
          const found = docs.map((doc) => fromConversionDoc(doc, match.test));
          target = pickReversalTarget(found, match);
          const repeat = target ? null : pickReversedAlready(found, match);
          if (repeat) {
            if (request.entry)
              await writer.entry({ ...request.entry, outcome: 'ignored_duplicate', conversion_id: repeat.id, detail: ALREADY }, session);
            return { kind: 'already_reversed', conversion: repeat };
          }
        }
        if (!target) return { kind: 'not_found' };
        const after = reversed(target, request.reversal);
        await writer.conversions([[after.id, after]], session);
        if (request.entry) await writer.entry({ ...request.entry, outcome: 'reversed', conversion_id: after.id }, session);
        return { kind: 'reversed', conversion: after };
      }),
    // One transaction, as on SQLite: a purge cut short leaves no test ledger without its conversions.
    purgeTestData: () =>
      inTransaction(async (session) => {
        const removed = await testConversions.deleteMany({}, { session });
        const logged = await postbacks.deleteMany({ test: true }, { session });
        // Test ledger keys start with `test:`; `;` is the character after `:`.
        const keys = { $gte: 'test:', $lt: 'test;' };
        await db.collection('ledger_rows').deleteMany({ key: keys }, { session });
        await db.collection('ledgers').deleteMany({ _id: keys } as never, { session });
        return { conversions: removed.deletedCount, postbacks: logged.deletedCount };
      }),
  };
}
