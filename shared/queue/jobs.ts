export type { PostbackParams } from '../domain/entities.js';
import type { CostRequest } from '../domain/costs.js';
import type { PostbackParams, RawParams, Subs } from '../domain/entities.js';
import type { FieldProblem } from '../errors/app-error.js';
import { QueueNames } from './queue-names.js';

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
  requestId: string;
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
  [QueueNames.CLICKS]: ClickJob;
  [QueueNames.POSTBACKS]: PostbackJob;
  [QueueNames.COSTS]: CostJob;
  [QueueNames.OUTBOUND]: OutboundJob;
}
