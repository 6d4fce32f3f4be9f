import type { Database, Statement } from 'better-sqlite3';
import type { SubCostDelta } from '../../domain/cost-plan.js';
import { ROLLED_KEYS, rolledNumber } from '../../domain/rolled-keys.js';
import type { ConversionDelta } from '../rollup-deltas.js';
import { DAY_MS } from '../../domain/time-zone.js';
import { BUCKET_MS } from '../store.js';
import { foldSubs, PLACEMENT_KEY, placementId } from './rollup-schema.js';
import type { ClickRow } from './rows.js';
import { trimChanges } from './columns.js';

/** Log rows a process appends before it folds the log into the sub rollups at once (tests fold every row). */
const FOLD_EVERY = 200_000;
/** Otherwise the log is folded once the process has written nothing for this long. */
const FOLD_WHEN_IDLE_MS = 1000;

export interface Rollups {
  click(row: ClickRow): void;
  /** Moves a click's cost by `delta` micros (a cost update). */
  clickCost(row: Pick<ClickRow, 'ts' | 'campaign_id' | 'offer_id' | 'offer_source_id' | 'traffic_channel_id'>, delta: number): void;
  /** Applies conversion rollup changes (`conversionDeltas`); a row whose count reaches 0 is removed. */
  conversions(deltas: readonly ConversionDelta[]): void;
  /** Moves sub rollup rows by a cost update's deltas. */
  subCosts(deltas: readonly SubCostDelta[]): void;
  /** Stops the idle fold (the store is closing). */
  close(): void;
}

/** The rollups' writes, in the caller's transaction (tables, sub log and rebuild: rollup-schema.ts). */
export function createRollups(db: Database, foldEvery = FOLD_EVERY): Rollups {
  const clickQ = db.prepare(
    'INSERT INTO roll_click_q (bucket, n, cost) VALUES (?, 1, ?) ON CONFLICT (bucket) DO UPDATE SET n = n + 1, cost = cost + excluded.cost',
  );
  const clickD = db.prepare(
    `INSERT INTO roll_click_d (day, ${PLACEMENT_KEY}, n, cost) VALUES (?, ?, ?, ?, ?, 1, ?)
     ON CONFLICT (day, ${PLACEMENT_KEY}) DO UPDATE SET n = n + 1, cost = cost + excluded.cost`,
  );
  const convQ = db.prepare(
    `INSERT INTO roll_conv_q (bucket, type_key, status, n, revenue) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (bucket, type_key, status) DO UPDATE SET n = n + excluded.n, revenue = revenue + excluded.revenue`,
  );
  const convD = db.prepare(
    `INSERT INTO roll_conv_d (day, ${PLACEMENT_KEY}, type_key, status, n, revenue) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (day, ${PLACEMENT_KEY}, type_key, status) DO UPDATE SET n = n + excluded.n, revenue = revenue + excluded.revenue`,
  );
  const costQ = db.prepare('UPDATE roll_click_q SET cost = cost + ? WHERE bucket = ?');
  const costD = db.prepare(
    `UPDATE roll_click_d SET cost = cost + ? WHERE day = ? AND campaign_id = ? AND offer_id = ? AND offer_source_id = ? AND traffic_channel_id = ?`,
  );
  const placementSQL = db.prepare(`INSERT OR IGNORE INTO placements (id, ${PLACEMENT_KEY}) VALUES (?, ?, ?, ?, ?)`);
  /** The placement's id, its row written if new (always asked: a rolled-back transaction may have taken a new one with it). */
  const placementOf = (campaign: string, offer: string, source: string, channel: string): bigint => {
    const id = placementId(campaign, offer, source, channel);
    placementSQL.run(id, campaign, offer, source, channel);
    return id;
  };
  type LogRow = Array<string | number | bigint>;
  /** Appends rows to a log table, up to 100 in one statement (a batch's rows cost a few statements, not one each). */
  const appender = (table: string, columns: readonly string[]) => {
    const statements = new Map<number, Statement>();
    const statement = (rows: number): Statement => {
      let prepared = statements.get(rows);
      if (!prepared) {
        const tuple = `(${columns.map(() => '?').join(', ')})`;
        prepared = db.prepare(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`,
        );
        statements.set(rows, prepared);
      }
      return prepared;
    };
    return (rows: readonly LogRow[]): void => {
      for (let i = 0; i < rows.length; i += 100) {
        const chunk = rows.slice(i, i + 100);
        statement(chunk.length).run(...chunk.flat());
      }
      if (rows.length === 0) return;
      logged += rows.length;
      if (logged >= foldEvery) {
        logged = 0;
        foldSubs(db);
      } else foldWhenIdle();
    };
  };
  let logged = 0;
  let idle: NodeJS.Timeout | null = null;
  const foldWhenIdle = (): void => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => {
      idle = null;
      try {
        db.transaction(() => {
          foldSubs(db);
          trimChanges(db);
        }).immediate();
        logged = 0;
      } catch {
        // Busy (another process writing) or closed: the next write schedules it again.
      }
    }, FOLD_WHEN_IDLE_MS);
    idle.unref();
  };
  const logClicks = appender('log_click_sd', ['sub', 'day', 'value', 'placement', 'n', 'cost']);
  const logConversions = appender('log_conv_sd', ['sub', 'day', 'value', 'placement', 'type_key', 'status', 'n', 'revenue']);
  const pruneQ = db.prepare('DELETE FROM roll_conv_q WHERE bucket = ? AND type_key = ? AND status = ? AND n = 0');
  const pruneD = db.prepare(
    `DELETE FROM roll_conv_d WHERE day = ? AND campaign_id = ? AND offer_id = ? AND offer_source_id = ? AND traffic_channel_id = ? AND type_key = ? AND status = ? AND n = 0`,
  );
  return {
    click(row) {
      const day = Math.floor(row.ts / DAY_MS);
      const placement = [row.campaign_id, row.offer_id, row.offer_source_id, row.traffic_channel_id] as const;
      clickQ.run(Math.floor(row.ts / BUCKET_MS), row.cost_micros);
      clickD.run(day, ...placement, row.cost_micros);
      const rows: LogRow[] = [];
      for (const key of ROLLED_KEYS) {
        const value = row[key];
        if (value !== null) rows.push([rolledNumber(key), day, value, 0n, 1, row.cost_micros]);
      }
      if (rows.length === 0) return;
      const id = placementOf(...placement);
      for (const r of rows) r[3] = id;
      logClicks(rows);
    },
    clickCost(row, delta) {
      // The click is stored, so its rollup rows exist.
      costQ.run(delta, Math.floor(row.ts / BUCKET_MS));
      costD.run(delta, Math.floor(row.ts / DAY_MS), row.campaign_id, row.offer_id, row.offer_source_id, row.traffic_channel_id);
    },
    conversions(deltas) {
      const rows: LogRow[] = [];
      const placements = new Map<string, bigint>();
      for (const d of deltas) {
        const placement = [d.campaign_id, d.offer_id, d.offer_source_id, d.traffic_channel_id] as const;
        convQ.run(d.bucket, d.type_key, d.status, d.n, d.revenue);
        convD.run(d.day, ...placement, d.type_key, d.status, d.n, d.revenue);
        if (d.n < 0) {
          pruneQ.run(d.bucket, d.type_key, d.status);
          pruneD.run(d.day, ...placement, d.type_key, d.status);
        }
        if (d.subs.length === 0) continue;
        const text = placement.join('|');
        let id = placements.get(text);
        if (id === undefined) {
          id = placementOf(...placement);
          placements.set(text, id);
        }
        for (const [key, value] of d.subs) rows.push([rolledNumber(key), d.day, value, id, d.type_key, d.status, d.n, d.revenue]);
      }
      logConversions(rows);
    },
    close() {
      if (idle) clearTimeout(idle);
      idle = null;
    },
    subCosts(deltas) {
      logClicks(
        deltas.map((d) => [
          rolledNumber(d.sub),
          d.day,
          d.value,
          placementId(d.campaign_id, d.offer_id, d.offer_source_id, d.traffic_channel_id),
          0,
          d.delta,
        ]),
      );
    },
  };
}
