import type { Database, Statement } from 'better-sqlite3';
import { planCost, type CostClick, type CostInputs, type CostPlan, type Share } from '../../domain/cost-plan.js';
import type { CostRecord } from '../../domain/costs.js';
import { SUB_KEYS, TRAIT_KEYS } from '../../domain/entities.js';
import { BUCKET_MS, type CostFilter, type CostJobInput, type CostRepository } from '../store.js';
import type { Queries } from './queries.js';
import type { Rollups } from './rollups.js';
import { subsOf, traitsOf, type SubColumns, type TraitColumns } from './rows.js';

const CLICK_FIELDS = `clickid, ts, campaign_id, offer_id, offer_source_id, traffic_channel_id, cost_micros, own_cost_micros, ${[...SUB_KEYS, ...TRAIT_KEYS].join(', ')}`;

type CostClickRow = Omit<CostClick, 'subs' | 'traits'> & SubColumns & TraitColumns;
/** A click row as the cost planner takes it: its sub columns gathered into `subs` (field by field: 500,000 rows per update). */
const toCostClick = (row: CostClickRow): CostClick => ({
  clickid: row.clickid,
  ts: row.ts,
  campaign_id: row.campaign_id,
  offer_id: row.offer_id,
  offer_source_id: row.offer_source_id,
  traffic_channel_id: row.traffic_channel_id,
  cost_micros: row.cost_micros,
  own_cost_micros: row.own_cost_micros,
  subs: subsOf(row),
  traits: traitsOf(row),
});

/**
 * Cost jobs in the embedded store: one IMMEDIATE transaction per job reads what the
 * planner needs (`planCost` decides everything) and writes its plan, so a job either
 * happened whole or not at all, and running it again finds its record.
 */
export function createSqliteCosts(db: Database, rollups: Rollups, { page }: Queries): CostRepository {
  const getRecord = db.prepare<[string], { doc: string }>('SELECT doc FROM cost_updates WHERE id = ?');
  const putRecord = db.prepare(
    `INSERT INTO cost_updates (id, campaign_id, kind, state, requested_at, doc) VALUES (@id, @campaign_id, @kind, @state, @requested_at, @doc)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, doc = excluded.doc`,
  );
  const lastApplied = db.prepare<[string, string], { doc: string }>(
    "SELECT doc FROM cost_updates WHERE campaign_id = ? AND kind = 'update' AND state = 'applied' AND id < ? ORDER BY id DESC LIMIT 1",
  );
  const insertShare = db.prepare('INSERT OR IGNORE INTO cost_shares (clickid, update_id, micros) VALUES (?, ?, ?)');
  const clicksOfUpdate = db.prepare<[string], CostClickRow>(
    `SELECT ${CLICK_FIELDS} FROM clicks WHERE clickid IN (SELECT clickid FROM cost_shares WHERE update_id = ?)`,
  );
  const sharesOfUpdateClicks = db.prepare<[string], Share>(
    'SELECT clickid, update_id, micros FROM cost_shares WHERE clickid IN (SELECT clickid FROM cost_shares WHERE update_id = ?)',
  );
  const deleteShares = db.prepare('DELETE FROM cost_shares WHERE update_id = ?');
  const setCost = db.prepare('UPDATE clicks SET cost_micros = ? WHERE clickid = ?');
  const inRange = new Map<string, { clicks: Statement<unknown[], CostClickRow>; shares: Statement<unknown[], Share> }>();

  /** The update's clicks in time order, and the shares they already have. */
  const readRange = (campaignId: string, from: number, to: number, sub: string | null, value: string | null) => {
    const key = sub ?? '';
    let statements = inRange.get(key);
    if (!statements) {
      if (sub !== null && !(SUB_KEYS as readonly string[]).includes(sub)) throw new RangeError(`not a sub: ${sub}`);
      const where = `campaign_id = ? AND ts >= ? AND ts < ? ${sub ? `AND ${sub} = ?` : ''}`;
      statements = {
        clicks: db.prepare<unknown[], CostClickRow>(`SELECT ${CLICK_FIELDS} FROM clicks WHERE ${where} ORDER BY ts, clickid`),
        shares: db.prepare<unknown[], Share>(
          `SELECT clickid, update_id, micros FROM cost_shares WHERE clickid IN (SELECT clickid FROM clicks WHERE ${where})`,
        ),
      };
      inRange.set(key, statements);
    }
    const args = [campaignId, from, to, ...(sub ? [value] : [])];
    return { clicks: statements.clicks.all(...args).map(toCostClick), shares: statements.shares.all(...args) };
  };

  const read = (job: CostJobInput): CostInputs => {
    const { request } = job;
    if (request.kind === 'update')
      return {
        kind: 'update',
        ...readRange(request.campaign_id, request.from, request.to, request.filter?.sub ?? null, request.filter?.value ?? null),
      };
    const row = lastApplied.get(request.campaign_id, job.id);
    const target = row ? (JSON.parse(row.doc) as CostRecord) : null;
    return {
      kind: 'undo',
      target,
      clicks: target ? clicksOfUpdate.all(target.id).map(toCostClick) : [],
      shares: target ? sharesOfUpdateClicks.all(target.id) : [],
    };
  };

  const save = (record: CostRecord): void => {
    const { request } = record;
    putRecord.run({
      id: record.id,
      campaign_id: request.campaign_id,
      kind: request.kind,
      state: record.state,
      requested_at: record.requested_at,
      doc: JSON.stringify(record),
    });
  };

  const commit = (plan: CostPlan): void => {
    for (const share of plan.addShares) insertShare.run(share.clickid, share.update_id, share.micros);
    if (plan.removeSharesOf) deleteShares.run(plan.removeSharesOf);
    for (const { clickid, cost_micros } of plan.clickCosts) setCost.run(cost_micros, clickid);
    for (const { click, delta } of plan.rollupDeltas) rollups.clickCost(click, delta);
    rollups.subCosts(plan.subRollupDeltas);
    if (plan.undone) save(plan.undone);
    save(plan.record);
  };

  const apply = db.transaction((job: CostJobInput, now: number): CostRecord => {
    const stored = getRecord.get(job.id);
    if (stored) return JSON.parse(stored.doc) as CostRecord;
    const plan = planCost(job, now, read(job), BUCKET_MS);
    commit(plan);
    return plan.record;
  });

  return {
    applyCost: async (job, now) => apply.immediate(job, now),
    getCost: async (id) => {
      const row = getRecord.get(id);
      return row ? (JSON.parse(row.doc) as CostRecord) : null;
    },
    listCosts: async (filter: CostFilter, query) =>
      page('cost_updates', 'requested_at', { ...filter }, query, (row: { doc: string }) => JSON.parse(row.doc) as CostRecord),
  };
}
