import type { Conversion, ConversionRecord } from '../../domain/entities.js';
import type { ConversionRepository } from '../store.js';
import { fromDoc, page, timeRange, type MongoContext } from './common.js';
import type { Doc } from './models.js';

/** Conversions as the API reads them, with the ids of the postbacks applied to each (from the log). */
export function createMongoConversions({ conversions, postbacks }: MongoContext): ConversionRepository {
  // postback_ids of conversions, from the log: every applied postback names its conversion.
  const withPostbackIds = async (docs: Doc[]): Promise<Conversion[]> => {
    const applied = await postbacks
      .find(
        { conversion_id: { $in: docs.map((d) => d._id) }, outcome: { $in: ['recorded', 'updated', 'incremented'] } },
        { projection: { _id: 1, conversion_id: 1 } },
      )
      .sort({ _id: 1 })
      .toArray();
    return docs.map((doc) => ({
      ...fromDoc<ConversionRecord>(doc, 'id'),
      postback_ids: applied.filter((p) => p.conversion_id === doc._id).map((p) => p._id),
    }));
  };
  return {
    getConversion: async (id) => {
      const doc = await conversions.findOne({ _id: id });
      return doc ? ((await withPostbackIds([doc]))[0] ?? null) : null;
    },
    listConversions: async ({ campaign_id, offer_source_id, from, to, ...rest }, query) => {
      const filter = {
        ...rest,
        'click.campaign_id': campaign_id,
        'click.offer_source_id': offer_source_id,
        created_at: timeRange(from, to),
      };
      const found = await page<Doc, Doc>(conversions, 'created_at', filter, query, '_id');
      return { items: await withPostbackIds(found.items), next: found.next };
    },
  };
}
