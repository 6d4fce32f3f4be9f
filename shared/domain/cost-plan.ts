import { effectiveCost, shareOf, type CostRecord, type CostRequest } from './costs.js';
import { type Click } from './entities.js';
import { rolledValues, type RolledKey } from './rolled-keys.js';
import { DAY_MS } from './time-zone.js';

/** What a cost job needs of a click: when, where it belongs, and what it costs now. */
export type CostClick = Pick<
  Click,
  | 'clickid'
  | 'ts'
  | 'campaign_id'
  | 'offer_id'
  | 'offer_source_id'
  | 'traffic_channel_id'
  | 'cost_micros'
  | 'own_cost_micros'
  | 'subs'
  | 'traits'
>;

export interface Share {
  clickid: string;
  update_id: string;
  micros: number;
}

/** One job's inputs, as a store reads them inside its transaction. */
export type CostInputs =
  | {
      kind: 'update';
      /** The clicks in the update's range (and sub), in time order, then by id. */
      clicks: CostClick[];
      /** Every share those clicks already have, from earlier updates. */
      shares: Share[];
    }
  | {
      kind: 'undo';
      /** The campaign's last applied update before this undo, if any. */
      target: CostRecord | null;
      /** The clicks that update covered. */
      clicks: CostClick[];
      /** Every share those clicks have, the target's included. */
      shares: Share[];
    };

/** Moves one click rollup row (bucket and placement of `click`) by `delta` micros of cost. */
export interface CostDelta {
  click: CostClick;
  delta: number;
}

/** Moves one sub (or rolled trait) rollup row (UTC day, key, its value, placement) by `delta` micros of cost. */
export interface SubCostDelta {
  day: number;
  sub: RolledKey;
  value: string;
  campaign_id: string;
  offer_id: string;
  offer_source_id: string;
  traffic_channel_id: string;
  delta: number;
}

/**
 * Everything a cost job writes, decided without the store: the store commits it in one
 * transaction. Writing it twice is harmless only because the record is written in the
 * same transaction and a second run finds it first.
 */
export interface CostPlan {
  /** The job's own record. */
  record: CostRecord;
  /** The update an undo took back, now `undone`. */
  undone: CostRecord | null;
  addShares: Share[];
  /** The update whose shares go (an undo's target). */
  removeSharesOf: string | null;
  /** Clicks whose cost changes, at their new cost. */
  clickCosts: Array<{ clickid: string; cost_micros: number }>;
  /** Rollup changes, one per 15-minute bucket and placement. */
  rollupDeltas: CostDelta[];
  /** Sub rollup changes, one per day, sub value and placement. */
  subRollupDeltas: SubCostDelta[];
}

export interface CostJob {
  id: string;
  requested_at: number;
  request: CostRequest;
}

/**
 * Plans a cost update or undo. An update spreads its cost over the clicks (`shareOf`:
 * equal whole micros, the remainder one micro each to the earliest clicks); an undo
 * drops the shares of the campaign's last applied update. Either way each affected
 * click then costs its newest share (`effectiveCost`: a later update wins, whatever
 * order they were applied in), or without any its own cost (the click URL's), and the click rollups move by the differences.
 */
export function planCost(job: CostJob, now: number, inputs: CostInputs, bucketMs: number): CostPlan {
  const base = { id: job.id, requested_at: job.requested_at, processed_at: now, request: job.request, undoes: null, undone_by: null };
  const empty = { undone: null, addShares: [], removeSharesOf: null, clickCosts: [], rollupDeltas: [], subRollupDeltas: [] };
  if (inputs.kind === 'update' && job.request.kind === 'update') {
    const { clicks } = inputs;
    const total = job.request.cost.micros;
    const addShares = clicks.map((click, index) => ({
      clickid: click.clickid,
      update_id: job.id,
      micros: shareOf(total, clicks.length, index),
    }));
    const record: CostRecord = { ...base, state: clicks.length ? 'applied' : 'no_clicks', clicks: clicks.length };
    return { ...empty, record, addShares, ...settle(clicks, [...inputs.shares, ...addShares], bucketMs) };
  }
  if (inputs.kind !== 'undo' || !inputs.target) return { ...empty, record: { ...base, state: 'nothing_to_undo', clicks: 0 } };
  const { target, clicks } = inputs;
  const remaining = inputs.shares.filter((s) => s.update_id !== target.id);
  return {
    ...empty,
    record: { ...base, state: 'applied', clicks: clicks.length, undoes: target.id },
    undone: { ...target, state: 'undone', undone_by: job.id },
    removeSharesOf: target.id,
    ...settle(clicks, remaining, bucketMs),
  };
}

/** Each click at the cost of its newest share; rollup deltas summed per bucket and placement, and per day, sub value and placement. */
function settle(
  clicks: readonly CostClick[],
  shares: readonly Share[],
  bucketMs: number,
): Pick<CostPlan, 'clickCosts' | 'rollupDeltas' | 'subRollupDeltas'> {
  const byClick = new Map<string, Share[]>();
  for (const share of shares) {
    const list = byClick.get(share.clickid);
    if (list) list.push(share);
    else byClick.set(share.clickid, [share]);
  }
  const costs = new Map(
    clicks.map((click) => [click.clickid, effectiveCost(byClick.get(click.clickid) ?? [], click.own_cost_micros ?? 0)]),
  );
  return moveClicks(clicks, costs, bucketMs);
}

/**
 * Moves each of `clicks` that `costs` names to its cost there: the clicks whose cost
 * changes, and the rollup deltas (per 15-minute bucket and placement, per day, sub value
 * and placement) from each click's cost as given to its new one. A store that writes a
 * plan in several transactions calls it for each part with the clicks as they are then,
 * so a part applied twice moves nothing the second time.
 */
export function moveClicks(
  clicks: readonly CostClick[],
  costs: ReadonlyMap<string, number>,
  bucketMs: number,
): Pick<CostPlan, 'clickCosts' | 'rollupDeltas' | 'subRollupDeltas'> {
  const clickCosts: CostPlan['clickCosts'] = [];
  const deltas = new Map<string, CostDelta>();
  const subDeltas = new Map<string, SubCostDelta>();
  for (const click of clicks) {
    const cost = costs.get(click.clickid);
    if (cost === undefined || cost === click.cost_micros) continue;
    clickCosts.push({ clickid: click.clickid, cost_micros: cost });
    const placement = `${click.campaign_id}|${click.offer_id}|${click.offer_source_id}|${click.traffic_channel_id}`;
    // One bucket lies in one UTC day, so a delta per bucket and placement is one change to each rollup.
    const key = `${String(Math.floor(click.ts / bucketMs))}|${placement}`;
    const entry = deltas.get(key) ?? { click, delta: 0 };
    entry.delta += cost - click.cost_micros;
    deltas.set(key, entry);
    const day = Math.floor(click.ts / DAY_MS);
    for (const [sub, value] of rolledValues(click)) {
      // Day, sub name and placement hold no NUL, so the value between them is unambiguous whatever it holds.
      const subKey = `${String(day)}\u0000${sub}\u0000${value}\u0000${placement}`;
      const subEntry = subDeltas.get(subKey) ?? {
        day,
        sub,
        value,
        campaign_id: click.campaign_id,
        offer_id: click.offer_id,
        offer_source_id: click.offer_source_id,
        traffic_channel_id: click.traffic_channel_id,
        delta: 0,
      };
      subEntry.delta += cost - click.cost_micros;
      subDeltas.set(subKey, subEntry);
    }
  }
  return {
    clickCosts,
    rollupDeltas: [...deltas.values()].filter((d) => d.delta !== 0),
    subRollupDeltas: [...subDeltas.values()].filter((d) => d.delta !== 0),
  };
}
