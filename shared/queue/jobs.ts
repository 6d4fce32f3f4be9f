export type { PostbackParams } from '../domain/entities.js';
import type { CostRequest } from '../domain/costs.js';
import type { PostbackParams, RawParams, Subs } from '../domain/entities.js';
import type { FieldProblem } from '../errors/app-error.js';
import { type QueueNames } from './queue-names.js';

/** A click as the receiver queues it; the worker stores it. */
export interface ClickJob {
  clickid: string;
  ts: number;
  campaign_id: string;
  offer_id: string;
  offer_source_id: string;
  traffic_channel_id: string;
  external_id: string | null;
  subs: Subs;
  ip: string | null;
  user_agent: string | null;
  /** The campaign's cost parameter's value as sent (a checked decimal), absent or null without one. */
  cost?: string | null;
  /** Its currency as the campaign names it; null: the channel's, else the account currency. */
  cost_currency?: string | null;
  requestId: string;
}

/** Clicks that arrived together in a burst, queued as one job (see the receiver's coalesce.ts). */
export interface ClickBatchJob {
  clicks: ClickJob[];
}

/** What the clicks queue holds: one click (its job id is the click id) or a burst's batch. */
export type ClicksQueueJob = ClickJob | ClickBatchJob;

export function isClickBatch(data: ClicksQueueJob): data is ClickBatchJob {
  return 'clicks' in data;
}

/** A postback as the receiver queues it. Malformed ones are queued too, to be logged. */
export interface PostbackJob {
  receivedAt: number;
  requestId: string;
  method: string;
  ip: string | null;
  /** As received, token redacted. */
  raw: RawParams;
  /** Set when the syntax was right. */
  params: PostbackParams | null;
  /** Set when it was not: what the 400 said. */
  invalid: FieldProblem[] | null;
  /** Set on a replay from the API: the id of the logged postback to run again. */
  replayOf?: string;
  /** How many times it already waited for its click before this job (a postback that left a batch to wait). */
  waits?: number;
}

/** One postback of a batch job: its id and what the receiver queued. */
export interface QueuedPostback extends PostbackJob {
  id: string;
}

/**
 * Postbacks that reached the receiver together, queued as one job: one Redis write and
 * one worker round trip for all of them. Each request was answered only once this job
 * was in Redis; the worker applies each postback on its own id, as for a single job.
 */
export interface PostbackBatchJob {
  postbacks: QueuedPostback[];
}

/** A postbacks-queue job: one postback (its job id is the postback id) or a batch. */
export type PostbacksQueueJob = PostbackJob | PostbackBatchJob;

export function isPostbackBatch(data: PostbacksQueueJob): data is PostbackBatchJob {
  return 'postbacks' in data;
}

/** A cost update or undo, as the report service queues it; the job id is its id. */
export interface CostJob {
  requestedAt: number;
  requestId: string;
  request: CostRequest;
}

/** One conversion event to send to a traffic channel; the job id is the delivery id. */
export interface OutboundJob {
  deliveryId: string;
}

/** Job payloads by queue name; BullMQ jobs are typed through it. */
export interface JobPayloads {
  [QueueNames.CLICKS]: ClicksQueueJob;
  [QueueNames.POSTBACKS]: PostbacksQueueJob;
  [QueueNames.COSTS]: CostJob;
  [QueueNames.OUTBOUND]: OutboundJob;
}
