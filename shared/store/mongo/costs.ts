import { moveClicks, planCost, type CostClick, type CostInputs, type Share } from '../../domain/cost-plan.js';
import type { CostRecord } from '../../domain/costs.js';
import { BUCKET_MS, type CostJobInput, type CostRepository } from '../store.js';
import { page, unwrap, type MongoContext, type Session } from './common.js';
import type { Doc } from './models.js';

type CostDoc = { _id: string; campaign_id: string; kind: string; state: string; requested_at: number; doc: CostRecord };

/** Writes go in batches of this many operations: a 100k-click update is 100 round trips, not 500k. */
const BATCH = 1000;
/** Clicks one transaction moves: far under the server's 60 s transaction lifetime and its cache. */
const PART = 5_000;

/** A cost plan as its parts read it: shares to add by click, an undo's target, each click's planned cost. */
interface PartPlan {
  removeSharesOf: string | null;
  sharesByClick: ReadonlyMap<string, Share[]>;
  costs: ReadonlyMap<string, number>;
}

/**
 * Cost jobs in MongoDB. What `planCost` needs is read and planned outside a
 * transaction (an update over hundreds of thousands of clicks would outlive the
 * server's 60 s transaction limit, which aborts it and, being transient, had it re-run
 * whole until the deadline). The plan is then written in parts of `PART` clicks, each
 * one transaction that reads its clicks as they are and moves them to their planned
 * cost with the rollups (`moveClicks`), so a part written twice (a retried job) moves
 * nothing; a last transaction writes the job's record, which a retried job finds
 * first. The rules live in the planner, shared with the embedded store, which writes
 * the whole plan in one transaction.
 */
export async function createMongoCosts({ db, clicks, rollups, inTransaction }: MongoContext): Promise<CostRepository> {
  const records = db.collection<CostDoc>('cost_updates');
  const shares = db.collection<Share & { _id: string }>('cost_shares');
  // Clicks are stored whole, subs included (a click without subs has `{}`).
  const toClick = ({ _id, ...rest }: Doc): CostClick => {
    const click = rest as Omit<CostClick, 'clickid' | 'subs'> & { subs?: CostClick['subs'] };
    return { clickid: _id, ...click, subs: click.subs ?? {} };
  };
  /** The shares of these clicks, asked for `BATCH` clicks at a time. */
  const sharesOf = async (clickids: string[], session: Session): Promise<Share[]> => {
    const found: Share[] = [];
    for (let i = 0; i < clickids.length; i += BATCH) {
      const batch = clickids.slice(i, i + BATCH);
      found.push(...(await shares.find({ clickid: { $in: batch } }, { session, projection: { _id: 0 } }).toArray()));
    }
    return found;
  };

  const read = async (job: CostJobInput, session: Session): Promise<CostInputs> => {
    const { request } = job;
    if (request.kind === 'update') {
      const filter: Record<string, unknown> = { campaign_id: request.campaign_id, ts: { $gte: request.from, $lt: request.to } };
      if (request.filter) filter[`subs.${request.filter.sub}`] = request.filter.value;
      const matched = (await clicks.find(filter, { session }).sort({ ts: 1, _id: 1 }).toArray()).map(toClick);
      return {
        kind: 'update',
        clicks: matched,
        shares: await sharesOf(
          matched.map((c) => c.clickid),
          session,
        ),
      };
    }
    const [last] = await records
      .find({ campaign_id: request.campaign_id, kind: 'update', state: 'applied', _id: { $lt: job.id } }, { session })
      .sort({ _id: -1 })
      .limit(1)
      .toArray();
    const target = last?.doc ?? null;
    if (!target) return { kind: 'undo', target: null, clicks: [], shares: [] };
    const clickids = (await shares.find({ update_id: target.id }, { session }).toArray()).map((s) => s.clickid);
    const affected = (await clicks.find({ _id: { $in: clickids } }, { session }).toArray()).map(toClick);
    return { kind: 'undo', target, clicks: affected, shares: await sharesOf(clickids, session) };
  };

  const inBatches = async <T>(items: readonly T[], write: (batch: T[]) => Promise<unknown>): Promise<void> => {
    for (let i = 0; i < items.length; i += BATCH) await write(items.slice(i, i + BATCH));
  };
  const save = async (record: CostRecord, session: Session): Promise<void> => {
    const { request } = record;
    await records.replaceOne(
      { _id: record.id },
      { campaign_id: request.campaign_id, kind: request.kind, state: record.state, requested_at: record.requested_at, doc: record },
      { upsert: true, session },
    );
  };

  /** One part: the shares it adds or removes, then its clicks moved to their planned cost with the rollups. */
  const writePart = async (plan: PartPlan, clickids: string[], session: Session): Promise<void> => {
    await inBatches(
      clickids.flatMap((id) => plan.sharesByClick.get(id) ?? []),
      (batch) =>
        shares.bulkWrite(
          batch.map((s) => ({ updateOne: { filter: { _id: `${s.clickid}|${s.update_id}` }, update: { $setOnInsert: s }, upsert: true } })),
          { session, ordered: false },
        ),
    );
    if (plan.removeSharesOf) await shares.deleteMany({ update_id: plan.removeSharesOf, clickid: { $in: clickids } }, { session });
    // The clicks as they are now: one this part moved before is at its planned cost already.
    const current = (await clicks.find({ _id: { $in: clickids } }, { session }).toArray()).map(toClick);
    const moves = moveClicks(current, plan.costs, BUCKET_MS);
    await inBatches(moves.clickCosts, (batch) =>
      clicks.bulkWrite(
        batch.map((c) => ({ updateOne: { filter: { _id: c.clickid }, update: { $set: { cost_micros: c.cost_micros } } } })),
        { session, ordered: false },
      ),
    );
    for (const { click, delta } of moves.rollupDeltas) await rollups.clickCost(click, delta, session);
    await rollups.subCosts(moves.subRollupDeltas, session);
  };

  await records.createIndex({ campaign_id: 1, kind: 1, state: 1, _id: -1 }, {}, {});
  await records.createIndex({ requested_at: -1, _id: -1 }, {}, {});
  // A campaign's cost updates newest first (the API's list by campaign).
  await records.createIndex({ campaign_id: 1, requested_at: -1, _id: -1 }, {}, {});
  await shares.createIndex({ clickid: 1 }, {}, {});
  await shares.createIndex({ update_id: 1 }, {}, {});

  return {
    applyCost: async (job: CostJobInput, now: number): Promise<CostRecord> => {
      const stored = await records.findOne({ _id: job.id });
      if (stored) return stored.doc;
      const inputs = await read(job, undefined);
      const plan = planCost(job, now, inputs, BUCKET_MS);
      const sharesByClick = new Map<string, Share[]>();
      for (const share of plan.addShares) sharesByClick.set(share.clickid, [...(sharesByClick.get(share.clickid) ?? []), share]);
      const parts: PartPlan = {
        removeSharesOf: plan.removeSharesOf,
        sharesByClick,
        costs: new Map(plan.clickCosts.map((c) => [c.clickid, c.cost_micros])),
      };
      const clickids = inputs.clicks.map((c) => c.clickid);
      for (let i = 0; i < clickids.length; i += PART) {
        const part = clickids.slice(i, i + PART);
        await inTransaction((session) => writePart(parts, part, session));
      }
      return inTransaction(async (session) => {
        const again = await records.findOne({ _id: job.id }, { session });
        if (again) return again.doc;
        // An undo's target keeps no share past its last part (none left when every part ran).
        if (plan.removeSharesOf) await shares.deleteMany({ update_id: plan.removeSharesOf }, { session });
        if (plan.undone) await save(plan.undone, session);
        await save(plan.record, session);
        return plan.record;
      });
    },
    getCost: async (id: string): Promise<CostRecord | null> => (await records.findOne({ _id: id }))?.doc ?? null,
    listCosts: async (filter, query) =>
      unwrap(await page<{ doc: CostRecord }, CostDoc>(records, 'requested_at', { ...filter }, query, '_id')),
  };
}
