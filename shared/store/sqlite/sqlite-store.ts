import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Conversion, PostbackLogEntry } from '../../domain/entities.js';
import type { CostRecord } from '../../domain/costs.js';
import type { Delivery } from '../../domain/outbound.js';
import type { ConversionFilter, CostFilter, Cursor, DeliveryFilter, Page, PageQuery, PostbackFilter, Projection, Store } from '../store.js';
import { conversionDeltas, type ConversionChange, type Countable } from '../rollup-deltas.js';
import { aggregate } from './aggregate.js';
import {
  clickToRow,
  conversionToRow,
  postbackToRow,
  rowToClick,
  rowToConversion,
  rowToPostback,
  type ClickRow,
  type ConversionRow,
  type PostbackRow,
} from './rows.js';
import { createRollups } from './rollups.js';
import { ADDED_COLUMNS, SCHEMA } from './schema.js';
import { createSqliteCosts } from './costs.js';
import { createSqliteSettingsRepo } from './settings-repo.js';
import { createSqliteLedgers, type ProjectionWriter } from './ledgers.js';

const insertSql = (table: string, columns: string[]): string =>
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`;

/**
 * The embedded store: one SQLite file in WAL mode, shared by the processes of one
 * machine (the worker writes; the receiver and report service mostly read).
 */
export function createSqliteStore(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  // FULL: a write the worker has acknowledged to BullMQ survives an OS crash too.
  db.pragma('synchronous = FULL');
  // Checkpoint every ~40 MB of WAL instead of 4 MB: under a burst the worker's commits
  // spent much of their time copying pages back; bench:drain 4,235/s -> 5,336/s.
  db.pragma('wal_autocheckpoint = 10000');
  db.exec(SCHEMA);
  addMissingColumns(db);
  const rollups = createRollups(db);
  const costs = createSqliteCosts(db, rollups);

  const clickColumns = Object.keys(
    clickToRow({
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
      subs: {},
    }),
  );
  const insertClick = db.prepare(insertSql('clicks', clickColumns).replace('INSERT', 'INSERT OR IGNORE'));
  const getClick = db.prepare<[string], ClickRow>('SELECT * FROM clicks WHERE clickid = ?');
  const getPostback = db.prepare<[string], PostbackRow>('SELECT * FROM postbacks WHERE id = ?');
  const getConversion = db.prepare<[string], ConversionRow>('SELECT * FROM conversions WHERE id = ?');
  const deleteConversion = db.prepare('DELETE FROM conversions WHERE id = ?');
  const updateOutcome = db.prepare(
    'UPDATE postbacks SET outcome = @outcome, conversion_id = @conversion_id, detail = @detail WHERE id = @id',
  );
  const getDelivery = db.prepare<[string], { doc: string }>('SELECT doc FROM deliveries WHERE id = ?');
  const insertDelivery = db.prepare(
    'INSERT OR IGNORE INTO deliveries (id, conversion_id, channel_id, state, created_at, doc) VALUES (@id, @conversion_id, @channel_id, @state, @created_at, @doc)',
  );
  const updateDelivery = db.prepare('UPDATE deliveries SET state = @state, doc = @doc WHERE id = @id');
  const deliveryRow = (d: Delivery) => ({
    id: d.id,
    conversion_id: d.conversion_id,
    channel_id: d.channel_id,
    state: d.state,
    created_at: d.created_at,
    doc: JSON.stringify(d),
  });
  const statements = new Map<string, BetterSqlite3.Statement>();
  const upsert = (table: string, row: Record<string, unknown>): void => {
    let statement = statements.get(table);
    if (!statement) {
      const columns = Object.keys(row);
      statement = db.prepare(
        `${insertSql(table, columns)} ON CONFLICT (id) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`,
      );
      statements.set(table, statement);
    }
    statement.run(row);
  };

  const countable = (row: ConversionRow): Countable => ({ ...row, click: row });
  // The rollups move by the difference between each conversion's stored and new version (conversionDeltas).
  const writer: ProjectionWriter = {
    conversions(list) {
      const changes: ConversionChange[] = [];
      for (const [id, record] of list) {
        const before = getConversion.get(id);
        if (record) upsert('conversions', { ...conversionToRow(record) });
        else if (before) deleteConversion.run(id);
        changes.push({ before: before ? countable(before) : null, after: record });
      }
      rollups.conversions(conversionDeltas(changes));
    },
    entry: (entry) => upsert('postbacks', { ...postbackToRow(entry) }),
    logUpdate: (update) => void updateOutcome.run(update),
    rejected(entry) {
      const existing = getPostback.get(entry.id);
      if (!existing || existing.outcome === 'rejected') upsert('postbacks', { ...postbackToRow(entry) });
    },
  };
  const writeProjection = db.transaction((projection: Projection): void => {
    writer.conversions([
      ...projection.conversions.map((c) => [c.id, c] as const),
      ...projection.removedConversionIds.map((id) => [id, null] as const),
    ]);
    for (const update of projection.logUpdates) writer.logUpdate(update);
    writer.entry(projection.entry);
  });
  const ledgers = createSqliteLedgers(db, writer);

  // `… IN (?, ?, …)` reads, prepared once per SQL and list length.
  const listStatements = new Map<string, BetterSqlite3.Statement<string[]>>();
  const inList = <R>(sql: (marks: string) => string, values: readonly string[]): R[] => {
    const out: R[] = [];
    for (let i = 0; i < values.length; i += 500) {
      const chunk = values.slice(i, i + 500);
      const text = sql(chunk.map(() => '?').join(','));
      let statement = listStatements.get(text);
      if (!statement) {
        statement = db.prepare<string[]>(text);
        if (listStatements.size < 200) listStatements.set(text, statement);
      }
      out.push(...(statement.all(...chunk) as R[]));
    }
    return out;
  };
  // postback_ids of conversions, from the log: every applied postback names its conversion.
  const withPostbackIds = (rows: ConversionRow[]): Conversion[] => {
    const ids = new Map<string, string[]>(rows.map((r) => [r.id, []]));
    const applied = inList<{ id: string; conversion_id: string }>(
      (marks) =>
        `SELECT id, conversion_id FROM postbacks WHERE conversion_id IN (${marks}) AND outcome IN ('recorded', 'updated', 'incremented') ORDER BY id`,
      rows.map((r) => r.id),
    );
    for (const row of applied) ids.get(row.conversion_id)?.push(row.id);
    return rows.map((row) => rowToConversion(row, ids.get(row.id) ?? []));
  };

  const storeClicks = db.transaction((rows: ClickRow[]) => {
    for (const row of rows) if (insertClick.run(row).changes > 0) rollups.click(row);
  });

  const logRejected = db.transaction((entry: PostbackLogEntry): PostbackLogEntry => {
    writer.rejected(entry);
    return rowToPostback(getPostback.get(entry.id) as PostbackRow);
  });

  /** Newest first, keyset-paged on (time, id) so equal timestamps never repeat or skip. */
  // A row is untyped at this boundary: the caller names the table's row type.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- see above
  function page<R, T extends { id: string }>(
    table: string,
    timeColumn: string,
    filter: Record<string, unknown> & { from?: number; to?: number },
    query: PageQuery,
    map: (row: R) => T,
  ): Page<T> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const [column, value] of Object.entries(filter)) {
      if (value === undefined) continue;
      if (column === 'from' || column === 'to') {
        where.push(`${timeColumn} ${column === 'from' ? '>=' : '<'} ?`);
        params.push(value);
      } else if (value === null) where.push(`${column} IS NULL`);
      else {
        where.push(`${column} = ?`);
        params.push(value);
      }
    }
    if (query.cursor) {
      where.push(`(${timeColumn} < ? OR (${timeColumn} = ? AND id < ?))`);
      params.push(query.cursor.t, query.cursor.t, query.cursor.id);
    }
    const sql = `SELECT * FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${timeColumn} DESC, id DESC LIMIT ?`;
    const rows = db.prepare(sql).all(...params, query.limit + 1) as R[];
    const items = rows.slice(0, query.limit).map(map);
    const lastRow = rows[query.limit - 1] as Record<string, unknown> | undefined;
    const next: Cursor | null = rows.length > query.limit && lastRow ? { t: Number(lastRow[timeColumn]), id: String(lastRow.id) } : null;
    return { items, next };
  }

  return {
    kind: 'sqlite',
    offerSources: createSqliteSettingsRepo(db, 'offer_source'),
    offers: createSqliteSettingsRepo(db, 'offer'),
    trafficChannels: createSqliteSettingsRepo(db, 'traffic_channel'),
    campaigns: createSqliteSettingsRepo(db, 'campaign'),
    conversionTypes: createSqliteSettingsRepo(db, 'conversion_type'),
    fxRates: createSqliteSettingsRepo(db, 'fx_rates'),

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
    getPostback: async (id) => {
      const row = getPostback.get(id);
      return row ? rowToPostback(row) : null;
    },
    getPostbacks: async (ids) =>
      new Map(inList<PostbackRow>((m) => `SELECT * FROM postbacks WHERE id IN (${m})`, ids).map((row) => [row.id, rowToPostback(row)])),
    getClicks: async (clickids) =>
      new Map(
        inList<ClickRow>((m) => `SELECT * FROM clicks WHERE clickid IN (${m})`, clickids).map((row) => [row.clickid, rowToClick(row)]),
      ),
    logRejected: async (entry) => logRejected.immediate(entry),
    settingsVersion: async () => ledgers.settingsVersion(),
    loadLedgerHeads: async (keys) => ledgers.heads(keys),
    loadLedgerSuffix: async (key, fromId) => ledgers.suffix(key, fromId),
    commitLedgers: async (commits, rejected, settingsVersion) => ledgers.commit(commits, rejected, settingsVersion),
    writeProjection: async (projection) => {
      writeProjection.immediate(projection);
    },

    getConversion: async (id) => {
      const row = getConversion.get(id);
      return row ? (withPostbackIds([row])[0] ?? null) : null;
    },

    applyCost: async (job, now) => costs.apply(job, now),
    getCost: async (id) => costs.get(id),
    listCosts: async (filter: CostFilter, query) =>
      page('cost_updates', 'requested_at', { ...filter }, query, (row: { doc: string }) => JSON.parse(row.doc) as CostRecord),

    createDelivery: async (delivery) => {
      insertDelivery.run(deliveryRow(delivery));
      return JSON.parse((getDelivery.get(delivery.id) as { doc: string }).doc) as Delivery;
    },
    getDelivery: async (id) => {
      const row = getDelivery.get(id);
      return row ? (JSON.parse(row.doc) as Delivery) : null;
    },
    updateDelivery: async (delivery) => {
      updateDelivery.run(deliveryRow(delivery));
    },
    listDeliveries: async (filter: DeliveryFilter, query) =>
      page('deliveries', 'created_at', { ...filter }, query, (row: { doc: string }) => JSON.parse(row.doc) as Delivery),

    // Filter keys are the typed fields of ConversionFilter / PostbackFilter, all real columns.
    listConversions: async (filter: ConversionFilter, query) => {
      const rows = page('conversions', 'created_at', { ...filter }, query, (row: ConversionRow) => row);
      return { items: withPostbackIds(rows.items), next: rows.next };
    },
    listPostbacks: async (filter: PostbackFilter, query) => page('postbacks', 'received_at', { ...filter }, query, rowToPostback),

    aggregateClicks: async (groupBy, range, filters) => aggregate(db, 'clicks', groupBy, range, filters),
    aggregateConversions: async (groupBy, range, filters, options) => aggregate(db, 'conversions', groupBy, range, filters, options),

    ping: async () => {
      db.prepare('SELECT 1').get();
    },
    close: async () => {
      db.close();
    },
  };
}

/** Adds the columns newer versions added to tables an older version created. */
function addMissingColumns(db: BetterSqlite3.Database): void {
  for (const [table, columns] of Object.entries(ADDED_COLUMNS)) {
    const present = new Set(
      db
        .prepare<[], { name: string }>(`PRAGMA table_info(${table})`)
        .all()
        .map((c) => c.name),
    );
    for (const [column, type] of Object.entries(columns))
      if (!present.has(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}
