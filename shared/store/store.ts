import type {
  Campaign,
  Click,
  Conversion,
  ConversionRecord,
  ConversionType,
  Offer,
  OfferSource,
  PostbackLogEntry,
  Reversal,
  TrafficChannel,
} from '../domain/entities.js';
import type { ReversalMatch } from '../domain/reversal.js';
import type { CostRecord, CostRequest } from '../domain/costs.js';
import type { LedgerHead } from '../domain/ledger.js';
import type { FxTable } from '../domain/fx.js';
import type { Delivery } from '../domain/outbound.js';
import type { DuplicateStatus } from '../domain/duplicate-modes.js';
import type { Outcome, RejectReason } from '../domain/outcomes.js';
import type { Status } from '../domain/statuses.js';
import type { AggregateQueries } from './aggregates.js';
import type { CommitResult, LedgerCommit, LedgerSuffix, Projection } from './ledger-commit.js';

export type * from './ledger-commit.js';

/** A small settings collection, keyed by id (by name for conversion types). */
export interface SettingsRepo<T> {
  list(): Promise<T[]>;
  get(key: string): Promise<T | null>;
  /** Inserts or replaces the record under `key`. */
  put(key: string, record: T): Promise<void>;
  /** False when there was nothing under `key`. */
  delete(key: string): Promise<boolean>;
}

/** Keyset position: the sort time and id of the last item of the previous page. */
export interface Cursor {
  t: number;
  id: string;
}

export interface PageQuery {
  limit: number;
  cursor: Cursor | null;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next: Cursor | null;
}

/** Log filters: exact matches (a null `type` is the main conversion) and a half-open time range in epoch ms. */
export interface ConversionFilter {
  clickid?: string;
  type?: string | null;
  status?: Status;
  duplicate_status?: DuplicateStatus;
  campaign_id?: string;
  offer_source_id?: string;
  /** true: only test conversions; false: only real ones; absent: both. */
  test?: boolean;
  from?: number;
  to?: number;
}

export interface PostbackFilter {
  outcome?: Outcome;
  reason?: RejectReason;
  clickid?: string;
  type?: string | null;
  campaign_id?: string;
  offer_source_id?: string;
  test?: boolean;
  from?: number;
  to?: number;
}

export interface CostFilter {
  campaign_id?: string;
}

export interface DeliveryFilter {
  state?: Delivery['state'];
  channel_id?: string;
  conversion_id?: string;
  from?: number;
  to?: number;
}

/** A cost job as the store applies it. */
export interface CostJobInput {
  id: string;
  requested_at: number;
  request: CostRequest;
}

// Aggregates (dimensions, ranges, filters, the queries reports make) are in aggregates.ts.
export * from './aggregates.js';

/** Settings: one repository per kind of record. */
export interface SettingsStore {
  offerSources: SettingsRepo<OfferSource>;
  offers: SettingsRepo<Offer>;
  trafficChannels: SettingsRepo<TrafficChannel>;
  campaigns: SettingsRepo<Campaign>;
  conversionTypes: SettingsRepo<ConversionType>;
  /** One record, under the key `current`. */
  fxRates: SettingsRepo<FxTable>;
}

export interface ClickRepository {
  /** Idempotent: storing the same clickid again changes nothing. */
  insertClick(click: Click): Promise<void>;
  /** `insertClick` for many, in one transaction where the store has them. */
  insertClicks(clicks: readonly Click[]): Promise<void>;
  getClick(clickid: string): Promise<Click | null>;
  /** The stored clicks among `clickids`. */
  getClicks(clickids: readonly string[]): Promise<Map<string, Click>>;
}

/** The duplicate keys' ledgers and the postback log they write, committed together. */
export interface LedgerRepository {
  getPostback(id: string): Promise<PostbackLogEntry | null>;
  /** The log entries of those ids that are logged. */
  getPostbacks(ids: readonly string[]): Promise<Map<string, PostbackLogEntry>>;
  listPostbacks(filter: PostbackFilter, page: PageQuery): Promise<Page<PostbackLogEntry>>;
  /**
   * Logs a rejected postback. An entry with another outcome under the same id is kept
   * (the postback was applied before); an earlier rejection is replaced (a replay).
   * Resolves with the entry as stored.
   */
  logRejected(entry: PostbackLogEntry): Promise<PostbackLogEntry>;
  /** Changes whenever a settings record is put or deleted, so caches know to reload. */
  settingsVersion(): Promise<number>;
  /** The heads of these keys' ledgers (an empty head for a key without one). */
  loadLedgerHeads(keys: readonly string[]): Promise<Map<string, LedgerHead>>;
  loadLedgerSuffix(key: string, fromId: string): Promise<LedgerSuffix>;
  /**
   * Commits many keys at once (one transaction, one disk sync, where the store has
   * them): each key whose version is still `expectedVersion` gets its head, rows and
   * projection; the others are returned as conflicts, with nothing of theirs written.
   * `rejected` are logged as `logRejected` does. With `settingsVersion` given and no
   * longer current, nothing is written.
   */
  commitLedgers(commits: LedgerCommit[], rejected: PostbackLogEntry[], settingsVersion: number | null): Promise<CommitResult>;
  /** Writes conversions and log entries as given (seeding, repair). Idempotent. */
  writeProjection(projection: Projection): Promise<void>;
}

/** A reversal to apply: which conversion, who asks and why, and the reversal postback's log entry. */
export interface ReversalRequest {
  /** By id (the API), or what a reversal postback names (see `pickReversalTarget`), among test or real conversions. */
  match: { id: string } | (ReversalMatch & { test: boolean });
  reversal: Omit<Reversal, 'previous_status'>;
  /**
   * Written in the same transaction: `reversed`, naming the conversion; or, when every
   * match was reversed already, `ignored_duplicate` naming the newest. Not written when
   * nothing matched.
   */
  entry: PostbackLogEntry | null;
}

export type ReversalResult =
  { kind: 'reversed'; conversion: ConversionRecord } | { kind: 'already_reversed'; conversion: ConversionRecord } | { kind: 'not_found' };

export interface ConversionRepository {
  /** Real and test conversions alike (a test one has `test: true`). */
  getConversion(id: string): Promise<Conversion | null>;
  listConversions(filter: ConversionFilter, page: PageQuery): Promise<Page<Conversion>>;
  /**
   * Reverses one conversion in one transaction: the conversion (declined, reversal
   * kept), the rollups (its revenue moves to reversed) and the postback's log entry.
   */
  reverseConversion(request: ReversalRequest): Promise<ReversalResult>;
  /** Removes every test conversion, test postback log entry and test ledger; answers how many of each were removed. */
  purgeTestData(): Promise<{ conversions: number; postbacks: number }>;
}

export interface CostRepository {
  /**
   * Applies a cost job in one transaction, as `planCost` plans it: an update spreads
   * its cost over the matching clicks and each click then costs the share of the newest
   * update covering it, the click rollups following; an undo takes back the campaign's
   * newest applied update requested before it. Applying the same id again answers the
   * stored record and changes nothing.
   */
  applyCost(job: CostJobInput, now: number): Promise<CostRecord>;
  getCost(id: string): Promise<CostRecord | null>;
  /** Newest first. */
  listCosts(filter: CostFilter, page: PageQuery): Promise<Page<CostRecord>>;
}

/**
 * Retention: raw rows removed once past their age (CLICK_RETENTION_DAYS and the like),
 * and what reports may still read raw. The rollups are kept: reports they serve stay
 * exact over removed days.
 */
export interface RetentionRepository {
  /** The instant from which every raw click is kept; null while none was ever removed. */
  clicksKeptFrom(): Promise<number | null>;
  /**
   * Removes up to `limit` of the clicks before `before`, oldest first, with their cost
   * shares; `clicksKeptFrom` moves to `before` (never back) before any is removed.
   * Answers how many were removed (fewer than `limit`: none is left).
   */
  removeClicksBefore(before: number, limit: number): Promise<number>;
  /** Removes up to `limit` postback log entries received before `before`, oldest first. */
  removePostbacksBefore(before: number, limit: number): Promise<number>;
  /** Removes up to `limit` settled deliveries (delivered, failed, not sent) created before `before`; one still queued or retrying stays. */
  removeDeliveriesBefore(before: number, limit: number): Promise<number>;
}

export interface DeliveryRepository {
  /** Stores a delivery unless one with its id exists; resolves with the stored one. */
  createDelivery(delivery: Delivery): Promise<Delivery>;
  getDelivery(id: string): Promise<Delivery | null>;
  /** Replaces a stored delivery (a new attempt's result); one never created stays absent. */
  updateDelivery(delivery: Delivery): Promise<void>;
  /** Newest first. */
  listDeliveries(filter: DeliveryFilter, page: PageQuery): Promise<Page<Delivery>>;
}

/**
 * What reports read, and all they read: the aggregates, the names of what rows are
 * grouped by, the conversion types that have columns, and the acceleration a backend
 * loads at start where it keeps one in the process (SQLite's column copy; MongoDB's
 * rollups need none). The report builder takes this, not the store, so the write
 * repositories can change without it.
 */
export type ReportReads = AggregateQueries &
  Pick<SettingsStore, 'campaigns' | 'offers' | 'offerSources' | 'trafficChannels' | 'conversionTypes'> &
  Pick<Store, 'prepareReports'>;

/**
 * The store: one repository per aggregate, composed. Both adapters (SQLite, MongoDB)
 * implement each repository in a file of its own and pass one contract suite; the
 * business rules (duplicate modes, cost plans, rollup deltas) are decided above it.
 */
export interface Store
  extends
    SettingsStore,
    ClickRepository,
    LedgerRepository,
    ConversionRepository,
    CostRepository,
    DeliveryRepository,
    RetentionRepository,
    AggregateQueries {
  readonly kind: 'sqlite' | 'mongo';
  /** Resolves when the store answers. */
  ping(): Promise<void>;
  /**
   * Loads what makes reports fast where the store keeps something in the process (the
   * embedded store's column copy); resolves when loaded. Reports are exact before too.
   */
  prepareReports?(): Promise<void>;
  close(): Promise<void>;
}
