import type { Database } from 'better-sqlite3';
import type { Click } from '../../domain/entities.js';
import type { ClickRepository } from '../store.js';
import { insertSql, type Queries } from './queries.js';
import type { Rollups } from './rollups.js';
import { clickToRow, rowToClick, type ClickRow } from './rows.js';

/** Clicks: stored once per clickid, with the click rollups in the same transaction. */
export function createSqliteClicks(db: Database, rollups: Rollups, { inList }: Queries): ClickRepository {
  const blank: Click = {
    clickid: '',
    ts: 0,
    campaign_id: '',
    offer_id: '',
    offer_source_id: '',
    traffic_channel_id: '',
    external_id: null,
    ip: null,
    user_agent: null,
    cost_micros: 0,
    own_cost_micros: 0,
    subs: {},
    traits: {},
  };
  const insertClick = db.prepare(insertSql('clicks', Object.keys(clickToRow(blank))).replace('INSERT', 'INSERT OR IGNORE'));
  const getClick = db.prepare<[string], ClickRow>('SELECT * FROM clicks WHERE clickid = ?');
  const storeClicks = db.transaction((rows: ClickRow[]) => {
    for (const row of rows) if (insertClick.run(row).changes > 0) rollups.click(row);
  });
  return {
    insertClick: async (click) => {
      storeClicks.immediate([clickToRow(click)]);
    },
    insertClicks: async (clicks) => {
      storeClicks.immediate(clicks.map(clickToRow));
    },
    getClick: async (clickid) => {
      const row = getClick.get(clickid);
      return row ? rowToClick(row) : null;
    },
    getClicks: async (clickids) =>
      new Map(
        inList<ClickRow>((m) => `SELECT * FROM clicks WHERE clickid IN (${m})`, clickids).map((row) => [row.clickid, rowToClick(row)]),
      ),
  };
}
