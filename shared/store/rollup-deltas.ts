import { type ClickDimensions, type ConversionRecord } from '../domain/entities.js';
import { rolledValues, type RolledKey } from '../domain/rolled-keys.js';
import { DAY_MS } from '../domain/time-zone.js';
import { BUCKET_MS } from './store.js';

/** What the rollups count of a conversion. */
export interface Countable extends Pick<ConversionRecord, 'created_at' | 'type' | 'payout_micros'> {
  /** A status as stored: the rollups count it as text. */
  status: string;
  click: Pick<ClickDimensions, 'campaign_id' | 'offer_id' | 'offer_source_id' | 'traffic_channel_id' | 'subs' | 'traits'>;
}

/** A conversion's version before and after a write (null: there was none, or it was removed). */
export interface ConversionChange {
  before: Countable | null;
  after: Countable | null;
}

/**
 * One change to the conversion rollups: count and revenue to add to the 15-minute row
 * (bucket, type, status), to the day row (day, placement, type, status) and, for each
 * sub and rolled trait the click has, to its day row (day, key, value, placement, type,
 * status).
 * The main conversion's type is ''.
 */
export interface ConversionDelta {
  bucket: number;
  day: number;
  campaign_id: string;
  offer_id: string;
  offer_source_id: string;
  traffic_channel_id: string;
  type_key: string;
  status: string;
  /** The click's subs and rolled traits, set ones only, in ROLLED_KEYS order. */
  subs: Array<[RolledKey, string]>;
  n: number;
  revenue: number;
}

/**
 * The rollup changes of a batch of conversion writes, computed once for both stores:
 * each old version comes out, each new one goes in, and changes to the same row are
 * summed, so an edit that keeps the status and payout changes no rollup at all and a
 * batch touches each row once.
 */
export function conversionDeltas(changes: readonly ConversionChange[]): ConversionDelta[] {
  const rows = new Map<string, ConversionDelta>();
  const add = (c: Countable, sign: 1 | -1): void => {
    const { campaign_id, offer_id, offer_source_id, traffic_channel_id } = c.click;
    const row = {
      bucket: Math.floor(c.created_at / BUCKET_MS),
      day: Math.floor(c.created_at / DAY_MS),
      campaign_id,
      offer_id,
      offer_source_id,
      traffic_channel_id,
      type_key: c.type ?? '',
      status: c.status,
      subs: rolledValues(c.click),
    };
    const key = JSON.stringify(row);
    const delta = rows.get(key) ?? { ...row, n: 0, revenue: 0 };
    delta.n += sign;
    delta.revenue += sign * c.payout_micros;
    rows.set(key, delta);
  };
  for (const { before, after } of changes) {
    if (before) add(before, -1);
    if (after) add(after, 1);
  }
  return [...rows.values()].filter((d) => d.n !== 0 || d.revenue !== 0);
}
