/** Postback log outcomes (specification §5). Stored data: do not rename. */
export const OUTCOMES = ['recorded', 'updated', 'incremented', 'ignored_duplicate', 'ignored_event_id', 'reversed', 'rejected'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Why a postback was rejected. Stored data: do not rename. */
export const REJECT_REASONS = [
  'invalid_params',
  'unknown_clickid',
  'unknown_type',
  'token_mismatch',
  'ip_not_allowed',
  'unknown_currency',
  'nothing_to_reverse',
  // Its job was in a worker that died with it more often than BullMQ allows (a postback that crashes workers, or many crashes): replay it.
  'worker_crashed',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
