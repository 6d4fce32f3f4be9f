import type { Database, Statement } from 'better-sqlite3';
import { effectiveCost, shareOf, type CostRecord } from '../../domain/costs.js';
import { SUB_KEYS } from '../../domain/entities.js';
import { BUCKET_MS, type CostJobInput } from '../store.js';
import type { Rollups } from './rollups.js';
import type { ClickRow } from './rows.js';

type CostClick = Pick<ClickRow, 'clickid' | 'ts' | 'campaign_id' | 'offer_id' | 'offer_source_id' | 'traffic_channel_id' | 'cost_micros'>;
const CLICK_FIELDS = 'clickid, ts, campaign_id, offer_id, offer_source_id, traffic_channel_id, cost_micros';

/**
 * Cost jobs in the embedded store: one IMMEDIATE transaction per job writes the
 * shares, the clicks' costs, the click rollups and the record, so a job either
 * happened whole or not at all, and running it again finds its record.
 */
export function createSqliteCosts(db: Database, rollups: Rollups) {
  const getRecord = db.prepare<[string], { doc: string }>('SELECT doc FROM cost_updates WHERE id = ?');
  const putRecord = db.prepare(
    `INSERT INTO cost_updates (id, campaign_id, kind, state, requested_at, doc) VALUES (@id, @campaign_id, @kind, @state, @requested_at, @doc)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, doc = excluded.doc`,
  );
  const lastApplied = db.prepare<[string, string], { doc: string }>(
    "SELECT doc FROM cost_updates WHERE campaign_id = ? AND kind = 'update' AND state = 'applied' AND id < ? ORDER BY id DESC LIMIT 1",
  );
  const insertShare = db.prepare('INSERT OR IGNORE INTO cost_shares (clickid, update_id, micros) VALUES (?, ?, ?)');
  const sharesOfClick = db.prepare<[string], { update_id: string; micros: number }>(
    'SELECT update_id, micros FROM cost_shares WHERE clickid = ?',
  );
  const clicksOfUpdate = db.prepare<[string], CostClick>(
    `SELECT ${CLICK_FIELDS} FROM clicks WHERE clickid IN (SELECT clickid FROM cost_shares WHERE update_id = ?)`,
  );
  const deleteShares = db.prepare('DELETE FROM cost_shares WHERE update_id = ?');
  const setCost = db.prepare('UPDATE clicks SET cost_micros = ? WHERE clickid = ?');
  const matching = new Map<string, Statement<unknown[], CostClick>>();

  const matchingClicks = (campaignId: string, from: number, to: number, sub: string | null, value: string | null): CostClick[] => {
    const key = sub ?? '';
    let statement = matching.get(key);
    if (!statement) {
      if (sub !== null && !(SUB_KEYS as readonly string[]).includes(sub)) throw new RangeError(`not a sub: ${sub}`);
      statement = db.prepare<unknown[], CostClick>(
        `SELECT ${CLICK_FIELDS} FROM clicks WHERE campaign_id = ? AND ts >= ? AND ts < ? ${sub ? `AND ${sub} = ?` : ''} ORDER BY ts, clickid`,
      );
      matching.set(key, statement);
    }
    return statement.all(campaignId, from, to, ...(sub ? [value] : []));
  };

  /**
   * Sets each click's cost to that of its newest share, then moves the rollups by the
   * differences, summed per rollup row first (one write per row, not per click).
   */
  const settle = (clicks: readonly CostClick[]): void => {
    const deltas = new Map<string, { row: CostClick; delta: number }>();
    for (const click of clicks) {
      const cost = effectiveCost(sharesOfClick.all(click.clickid));
      if (cost === click.cost_micros) continue;
      setCost.run(cost, click.clickid);
      const key = `${Math.floor(click.ts / BUCKET_MS)}|${click.campaign_id}|${click.offer_id}|${click.offer_source_id}|${click.traffic_channel_id}`;
      const entry = deltas.get(key) ?? { row: click, delta: 0 };
      entry.delta += cost - click.cost_micros;
      deltas.set(key, entry);
    }
    // Same 15-minute bucket means same UTC day, so each entry is one change to each rollup.
    for (const { row, delta } of deltas.values()) if (delta !== 0) rollups.clickCost(row, delta);
  };

  const save = (record: CostRecord): CostRecord => {
    putRecord.run({
      id: record.id,
      campaign_id: record.request.campaign_id,
      kind: record.request.kind,
      state: record.state,
      requested_at: record.requested_at,
      doc: JSON.stringify(record),
    });
    return record;
  };

  const apply = db.transaction((job: CostJobInput, now: number): CostRecord => {
    const stored = getRecord.get(job.id);
    if (stored) return JSON.parse(stored.doc) as CostRecord;
    const base = { id: job.id, requested_at: job.requested_at, processed_at: now, request: job.request, undoes: null, undone_by: null };
    const { request } = job;
    if (request.kind === 'update') {
      const clicks = matchingClicks(
        request.campaign_id,
        request.from,
        request.to,
        request.filter?.sub ?? null,
        request.filter?.value ?? null,
      );
      clicks.forEach((click, index) => insertShare.run(click.clickid, job.id, shareOf(request.cost.micros, clicks.length, index)));
      settle(clicks);
      return save({ ...base, state: clicks.length ? 'applied' : 'no_clicks', clicks: clicks.length });
    }
    const targetRow = lastApplied.get(request.campaign_id, job.id);
    if (!targetRow) return save({ ...base, state: 'nothing_to_undo', clicks: 0 });
    const target = JSON.parse(targetRow.doc) as CostRecord;
    const clicks = clicksOfUpdate.all(target.id);
    deleteShares.run(target.id);
    settle(clicks);
    save({ ...target, state: 'undone', undone_by: job.id });
    return save({ ...base, state: 'applied', clicks: clicks.length, undoes: target.id });
  });

  return {
    apply: (job: CostJobInput, now: number): CostRecord => apply.immediate(job, now),
    get: (id: string): CostRecord | null => {
      const row = getRecord.get(id);
      return row ? (JSON.parse(row.doc) as CostRecord) : null;
    },
  };
}
