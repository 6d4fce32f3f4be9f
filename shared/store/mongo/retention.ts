import type { Db } from 'mongodb';
import type { RetentionRepository } from '../store.js';

type HorizonDoc = { _id: string; kept_from: number };

/** The clicks' horizon: the instant from which every raw click is kept (null: none was ever removed). */
export async function clicksKeptFrom(db: Db): Promise<number | null> {
  return (await db.collection<HorizonDoc>('retention').findOne({ _id: 'clicks' }))?.kept_from ?? null;
}

/**
 * Removing raw documents past their age, a batch at a time. The clicks' horizon moves
 * before any click is removed, so a report never reads a range whose clicks are being
 * removed as if it were whole; the rollups are not touched.
 */
export function createMongoRetention(db: Db): RetentionRepository {
  const horizons = db.collection<HorizonDoc>('retention');
  const removeOldest = async (name: string, time: string, before: number, limit: number, also: object = {}): Promise<string[]> => {
    const collection = db.collection<{ _id: string }>(name);
    const ids = (
      await collection
        .find({ [time]: { $lt: before }, ...also }, { projection: { _id: 1 } })
        .sort({ [time]: 1 })
        .limit(limit)
        .toArray()
    ).map((doc) => doc._id);
    if (ids.length > 0) await collection.deleteMany({ _id: { $in: ids } });
    return ids;
  };
  return {
    clicksKeptFrom: () => clicksKeptFrom(db),
    removeClicksBefore: async (before, limit) => {
      await horizons.updateOne({ _id: 'clicks' }, { $max: { kept_from: before } }, { upsert: true });
      const ids = await removeOldest('clicks', 'ts', before, limit);
      if (ids.length > 0) await db.collection('cost_shares').deleteMany({ clickid: { $in: ids } });
      return ids.length;
    },
    removePostbacksBefore: async (before, limit) => (await removeOldest('postbacks', 'received_at', before, limit)).length,
    removeDeliveriesBefore: async (before, limit) =>
      (await removeOldest('deliveries', 'created_at', before, limit, { state: { $in: ['delivered', 'failed', 'not_sent'] } })).length,
  };
}
