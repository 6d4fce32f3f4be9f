/** What a duplicate postback does (specification §5). Stored data: do not rename. */
export const DUPLICATE_MODES = ['create_new', 'new_or_repeated', 'ignore', 'edit', 'increment_payout', 'ignore_by_event_id'] as const;
export type DuplicateMode = (typeof DUPLICATE_MODES)[number];

/** `duplicate_status` on a conversion. */
export const DUPLICATE_STATUSES = ['new', 'repeated', 'unknown'] as const;
export type DuplicateStatus = (typeof DUPLICATE_STATUSES)[number];
