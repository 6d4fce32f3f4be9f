import { TRAIT_KEYS } from '../../domain/entities.js';

const subColumns = (prefix: string): string => Array.from({ length: 10 }, (_, i) => `${prefix}sub${i + 1} TEXT`).join(', ');

const CONVERSION_COLUMNS = `
  id TEXT PRIMARY KEY,
  clickid TEXT NOT NULL,
  type TEXT,
  status TEXT NOT NULL,
  payout_micros INTEGER NOT NULL,
  currency TEXT NOT NULL,
  original_payout_micros INTEGER,
  original_currency TEXT,
  fx_rate TEXT,
  event_id TEXT,
  duplicate_status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  campaign_id TEXT NOT NULL,
  offer_id TEXT NOT NULL,
  offer_source_id TEXT NOT NULL,
  traffic_channel_id TEXT NOT NULL,
  ${subColumns('')},
  subs TEXT NOT NULL,
  postback_ids TEXT NOT NULL,
  reversal TEXT
`;

/**
 * The embedded store's tables. Money columns are INTEGER micros. Settings are small
 * and kept as JSON documents; clicks, conversions and postbacks have real columns
 * because reports group and filter on them.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS settings (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (kind, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS clicks (
  clickid TEXT PRIMARY KEY,
  ts INTEGER NOT NULL,
  campaign_id TEXT NOT NULL,
  offer_id TEXT NOT NULL,
  offer_source_id TEXT NOT NULL,
  traffic_channel_id TEXT NOT NULL,
  external_id TEXT,
  ip TEXT,
  user_agent TEXT,
  cost_micros INTEGER NOT NULL DEFAULT 0,
  ${subColumns('')}
);
CREATE INDEX IF NOT EXISTS clicks_ts ON clicks (ts);

CREATE TABLE IF NOT EXISTS conversions (${CONVERSION_COLUMNS});

-- Conversions of test postbacks (specification §11): the same columns, apart from everything reports read.
CREATE TABLE IF NOT EXISTS test_conversions (${CONVERSION_COLUMNS});
CREATE INDEX IF NOT EXISTS test_conversions_click_type ON test_conversions (clickid, type);
CREATE INDEX IF NOT EXISTS test_conversions_created ON test_conversions (created_at, id);
CREATE INDEX IF NOT EXISTS conversions_click_type ON conversions (clickid, type);
CREATE INDEX IF NOT EXISTS conversions_created ON conversions (created_at, id);

CREATE INDEX IF NOT EXISTS conversions_type_event ON conversions (type, event_id);

-- One row per duplicate key: its head (version, last entry, the state after all
-- entries). entries is the whole ledger of stores from before heads, migrated at open.
CREATE TABLE IF NOT EXISTS ledgers (
  key TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  entries TEXT NOT NULL
) WITHOUT ROWID;

-- One row per accepted postback of a key still re-foldable: entry, outcome, state after it.
CREATE TABLE IF NOT EXISTS ledger_rows (
  key TEXT NOT NULL,
  id TEXT NOT NULL,
  row TEXT NOT NULL,
  PRIMARY KEY (key, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS postbacks (
  id TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,
  processed_at INTEGER NOT NULL,
  request_id TEXT,
  method TEXT NOT NULL,
  ip TEXT,
  raw TEXT NOT NULL,
  clickid TEXT,
  type TEXT,
  campaign_id TEXT,
  offer_source_id TEXT,
  outcome TEXT NOT NULL,
  reason TEXT,
  detail TEXT,
  conversion_id TEXT,
  params TEXT,
  test INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS postbacks_received ON postbacks (received_at, id);
CREATE INDEX IF NOT EXISTS postbacks_outcome ON postbacks (outcome, received_at);
CREATE INDEX IF NOT EXISTS postbacks_clickid ON postbacks (clickid);
CREATE INDEX IF NOT EXISTS postbacks_conversion ON postbacks (conversion_id);
CREATE INDEX IF NOT EXISTS postbacks_campaign ON postbacks (campaign_id, received_at);
CREATE INDEX IF NOT EXISTS conversions_campaign ON conversions (campaign_id, created_at);
CREATE INDEX IF NOT EXISTS clicks_campaign_ts ON clicks (campaign_id, ts);

-- Cost jobs and their results; doc is the whole record.
CREATE TABLE IF NOT EXISTS cost_updates (
  id TEXT PRIMARY KEY,
  campaign_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cost_updates_campaign ON cost_updates (campaign_id, id);
CREATE INDEX IF NOT EXISTS cost_updates_requested ON cost_updates (requested_at, id);

-- Each update's share per click; a click costs the share of its newest update.
CREATE TABLE IF NOT EXISTS cost_shares (
  clickid TEXT NOT NULL,
  update_id TEXT NOT NULL,
  micros INTEGER NOT NULL,
  PRIMARY KEY (clickid, update_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS cost_shares_update ON cost_shares (update_id);

-- Outbound conversion events to traffic channels; doc is the whole record.
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  conversion_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_created ON deliveries (created_at, id);
CREATE INDEX IF NOT EXISTS deliveries_conversion ON deliveries (conversion_id);
`;

/** Columns added since a table was first created: added to older files at open. */
const TRAIT_COLUMNS = Object.fromEntries(TRAIT_KEYS.map((key) => [key, 'TEXT']));

export const ADDED_COLUMNS: Record<string, Record<string, string>> = {
  clicks: { ...TRAIT_COLUMNS, own_cost_micros: 'INTEGER NOT NULL DEFAULT 0' },
  conversions: { original_payout_micros: 'INTEGER', original_currency: 'TEXT', fx_rate: 'TEXT', reversal: 'TEXT', ...TRAIT_COLUMNS },
  test_conversions: TRAIT_COLUMNS,
  postbacks: { test: 'INTEGER NOT NULL DEFAULT 0' },
  ledgers: { head: 'TEXT' },
};
