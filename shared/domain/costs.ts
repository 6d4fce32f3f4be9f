import type { SubKey } from './entities.js';
import type { Converted } from './fx.js';

/** Only clicks whose sub has this value, e.g. `{ sub: 'sub2', value: 'zone-17' }`. */
export interface SubFilter {
  sub: SubKey;
  value: string;
}

/** What a cost job asks for: spread a cost over a campaign's clicks in a range, or undo the last such update. */
export type CostRequest =
  | {
      kind: 'update';
      campaign_id: string;
      /** Half-open range in epoch ms, already cut in `tz`. */
      from: number;
      to: number;
      tz: string;
      /** The dates or times as the caller gave them. */
      range_given: { from: string; to: string };
      filter: SubFilter | null;
      cost: Converted;
    }
  | { kind: 'undo'; campaign_id: string };

/**
 * A cost job's result, as stored. An `update` is `applied` (its cost spread over
 * `clicks` clicks), `no_clicks` (nothing in its range to carry it) or later `undone`.
 * An `undo` is `applied` (naming the update it undid) or `nothing_to_undo`.
 */
export interface CostRecord {
  id: string;
  requested_at: number;
  processed_at: number;
  request: CostRequest;
  state: 'applied' | 'no_clicks' | 'undone' | 'nothing_to_undo';
  clicks: number;
  /** For an undo, the update it took back; for an undone update, the undo that did it. */
  undoes: string | null;
  undone_by: string | null;
}

/**
 * The share of click `index` (0-based, clicks in time order) of `total` micros spread
 * evenly over `count` clicks: everyone gets the same whole micros and the remainder
 * goes one micro each to the first clicks, so the shares add up to the total exactly.
 */
export function shareOf(total: number, count: number, index: number): number {
  const base = Math.floor(total / count);
  return base + (index < total - base * count ? 1 : 0);
}

/**
 * A click's cost is the share of the newest update that covers it (ids are ULIDs, so
 * newest = greatest id): a later update wins for its range, whatever order the
 * workers applied them in, and undoing one brings back the one before; with no update,
 * the click costs what its click URL said (`ownMicros`, 0 without a cost parameter).
 */
export function effectiveCost(shares: ReadonlyArray<{ update_id: string; micros: number }>, ownMicros = 0): number {
  let best: { update_id: string; micros: number } | null = null;
  for (const share of shares) if (!best || share.update_id > best.update_id) best = share;
  return best?.micros ?? ownMicros;
}
