import type { Click } from '../../domain/entities.js';
import type { ClickRepository } from '../store.js';
import { fromDoc, type MongoContext } from './common.js';

/** Clicks: stored once per clickid, with the click rollups in the same transaction. */
export function createMongoClicks({ clicks, rollups, inTransaction }: MongoContext): ClickRepository {
  const insertClicks = (batch: readonly Click[]): Promise<void> =>
    inTransaction(async (session) => {
      for (const click of batch) {
        const { clickid, ...rest } = click;
        const result = await clicks.updateOne({ _id: clickid }, { $setOnInsert: rest }, { upsert: true, session });
        if (result.upsertedCount === 1) await rollups.click(click, session);
      }
    });
  return {
    insertClick: (click) => insertClicks([click]),
    insertClicks,
    getClick: async (clickid) => {
      const doc = await clicks.findOne({ _id: clickid });
      return doc ? fromDoc<Click>(doc, 'clickid') : null;
    },
    getClicks: async (clickids) =>
      new Map((await clicks.find({ _id: { $in: [...clickids] } }).toArray()).map((doc) => [doc._id, fromDoc<Click>(doc, 'clickid')])),
  };
}
