import type mongoose from 'mongoose';
import { effectiveCost, shareOf, type CostRecord } from '../../domain/costs.js';
import type { Click } from '../../domain/entities.js';
import type { CostJobInput } from '../store.js';
import type { Doc } from './models.js';
import type { MongoRollups } from './rollups.js';

type Session = mongoose.mongo.ClientSession | undefined;
type CostClick = Pick<Click, 'clickid' | 'ts' | 'campaign_id' | 'offer_id' | 'offer_source_id' | 'traffic_channel_id' | 'cost_micros'>;

/**
 * Cost jobs in MongoDB, the same steps as the embedded store's: shares per update,
 * each click at the share of its newest update, rollups by the difference, then the
 * record. `inTransaction` makes it one transaction on a replica set.
 */
export function createMongoCosts(
  db: mongoose.mongo.Db,
  clicks: mongoose.mongo.Collection<Doc>,
  rollups: MongoRollups | null,
  inTransaction: <T>(work: (session: Session) => Promise<T>) => Promise<T>,
) {
  const records = db.collection<{ _id: string; campaign_id: string; kind: string; state: string; requested_at: number; doc: CostRecord }>(
    'cost_updates',
  );
  const shares = db.collection<{ _id: string; clickid: string; update_id: string; micros: number }>('cost_shares');
  const toClick = ({ _id, ...rest }: Doc): CostClick => ({ clickid: _id, ...(rest as Omit<CostClick, 'clickid'>) });

  const settle = async (click: CostClick, session: Session): Promise<void> => {
    const cost = effectiveCost(await shares.find({ clickid: click.clickid }, { session }).toArray());
    if (cost === click.cost_micros) return;
    await clicks.updateOne({ _id: click.clickid }, { $set: { cost_micros: cost } }, { session });
    if (rollups) await rollups.clickCost(click, cost - click.cost_micros, session);
  };
  const save = async (record: CostRecord, session: Session): Promise<CostRecord> => {
    const { request } = record;
    await records.replaceOne(
      { _id: record.id },
      { campaign_id: request.campaign_id, kind: request.kind, state: record.state, requested_at: record.requested_at, doc: record },
      { upsert: true, session },
    );
    return record;
  };

  return {
    async ensureIndexes(): Promise<void> {
      await records.createIndex({ campaign_id: 1, kind: 1, state: 1, _id: -1 }, {}, {});
      await records.createIndex({ requested_at: -1, _id: -1 }, {}, {});
      await shares.createIndex({ clickid: 1 }, {}, {});
      await shares.createIndex({ update_id: 1 }, {}, {});
    },
    apply: (job: CostJobInput, now: number): Promise<CostRecord> =>
      inTransaction(async (session) => {
        const stored = await records.findOne({ _id: job.id }, { session });
        if (stored) return stored.doc;
        const base = { id: job.id, requested_at: job.requested_at, processed_at: now, request: job.request, undoes: null, undone_by: null };
        const { request } = job;
        if (request.kind === 'update') {
          const filter: Record<string, unknown> = { campaign_id: request.campaign_id, ts: { $gte: request.from, $lt: request.to } };
          if (request.filter) filter[`subs.${request.filter.sub}`] = request.filter.value;
          const matched = (await clicks.find(filter, { session }).sort({ ts: 1, _id: 1 }).toArray()).map(toClick);
          for (const [index, click] of matched.entries()) {
            await shares.updateOne(
              { _id: `${click.clickid}|${job.id}` },
              { $setOnInsert: { clickid: click.clickid, update_id: job.id, micros: shareOf(request.cost.micros, matched.length, index) } },
              { upsert: true, session },
            );
            await settle(click, session);
          }
          return save({ ...base, state: matched.length ? 'applied' : 'no_clicks', clicks: matched.length }, session);
        }
        const target = (
          await records
            .find({ campaign_id: request.campaign_id, kind: 'update', state: 'applied', _id: { $lt: job.id } }, { session })
            .sort({ _id: -1 })
            .limit(1)
            .toArray()
        )[0]?.doc;
        if (!target) return save({ ...base, state: 'nothing_to_undo', clicks: 0 }, session);
        const clickids = (await shares.find({ update_id: target.id }, { session }).toArray()).map((s) => s.clickid);
        await shares.deleteMany({ update_id: target.id }, { session });
        const affected = (await clicks.find({ _id: { $in: clickids } }, { session }).toArray()).map(toClick);
        for (const click of affected) await settle(click, session);
        await save({ ...target, state: 'undone', undone_by: job.id }, session);
        return save({ ...base, state: 'applied', clicks: affected.length, undoes: target.id }, session);
      }),
    get: async (id: string): Promise<CostRecord | null> => (await records.findOne({ _id: id }))?.doc ?? null,
    records,
  };
}
