import type { RawParams, Subs } from '../domain/entities.js';
import type { Status } from '../domain/statuses.js';
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

/** A postback's parameters once their syntax is checked (SPEC §3). */
export interface PostbackParams {
  clickid: string;
  /** Exact decimal text, e.g. `12.5`; parsed to micros by the worker. */
  payout: string | null;
  status: Status | null;
  type: string | null;
  event_id: string | null;
  currency: string | null;
  /** SHA-256 of the token, never the token itself. */
  token_hash: string | null;
  subs: Subs;
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
}

/** Job payloads by queue name; BullMQ jobs are typed through it. */
export interface JobPayloads {
  [QueueNames.CLICKS]: ClickJob;
  [QueueNames.POSTBACKS]: PostbackJob;
}
