import type { ConversionRecord } from '../../shared/domain/entities.js';
import type { FxRates } from '../../shared/domain/fx.js';
import type { CostJob, PostbackJob } from '../../shared/queue/jobs.js';
import type { Store } from '../../shared/store/store.js';

/** Queues a replay job under `jobId`; resolves once Redis has it. */
export type EnqueueReplay = (jobId: string, data: PostbackJob) => Promise<void>;
/** Queues one cost job under its id; resolves once Redis has it. */
export type EnqueueCost = (id: string, job: CostJob) => Promise<void>;
/** Where a cost job is while it is not yet in the store: BullMQ's state and failure reason. */
export type QueuedState = (id: string) => Promise<{ state: string; failedReason: string | null } | null>;
/** Runs a delivery's job again now; says how (`queued`: it is already waiting to run). */
export type RetryDelivery = (id: string) => Promise<'retried' | 'promoted' | 'requeued' | 'queued' | 'in_progress'>;

/** What the API's routes need; each route module takes the part it uses. */
export interface ApiDeps {
  store: Store;
  /** The receiver's public base URL, for `postback_url` and `click_url`. */
  publicUrl: string;
  journeyTypeLimit: number;
  accountCurrency: string;
  /** Rates from FX_RATES_FILE, shown beside those set over the API. */
  fileRates: FxRates;
  /** Today's rates (file and API). */
  rates: () => Promise<FxRates>;
  enqueueReplay: EnqueueReplay;
  enqueueCost: EnqueueCost;
  queuedState: QueuedState;
  retryDelivery: RetryDelivery;
  /** Tells the conversion's channel of its reversal, where the channel got it and its integration can take it back. */
  afterReversal: (conversion: ConversionRecord) => Promise<void>;
}
