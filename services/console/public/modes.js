// What the console says of the product's rules, in one place.

/** The six duplicate modes, each explained in one line. */
export const MODES = [
  ['create_new', 'Create new', 'Every postback makes a new conversion; its duplicate status is unknown.'],
  ['new_or_repeated', 'New or repeated', 'Every postback makes a conversion: the first of a click and type is new, later ones repeated.'],
  ['ignore', 'Ignore duplicates', 'Only the first postback of a click and type counts; later ones are logged and ignored.'],
  [
    'ignore_by_event_id',
    'Ignore by event id',
    'A postback whose rdtk_event_id this type has seen is ignored; one without an event id always counts.',
  ],
  ['edit', 'Edit the first', 'A later postback changes the first conversion (status, payout) instead of adding one.'],
  ['increment_payout', 'Increment payout', "A later postback adds its payout to the first conversion's."],
];
export const modeLabel = (mode) => (MODES.find(([m]) => m === mode) || [mode, mode])[1];
export const modeLine = (mode) => (MODES.find(([m]) => m === mode) || [mode, mode, ''])[2];

export const STATUSES = ['approved', 'pending', 'declined', 'other'];
export const DUPLICATE_STATUSES = ['new', 'repeated', 'unknown'];
export const REVERSAL_REASONS = ['chargeback', 'refund', 'fraud', 'declined', 'other'];
export const OUTCOMES = ['recorded', 'updated', 'incremented', 'ignored_duplicate', 'ignored_event_id', 'reversed', 'rejected'];
export const REJECT_REASONS = [
  'invalid_params',
  'unknown_clickid',
  'unknown_type',
  'token_mismatch',
  'ip_not_allowed',
  'unknown_currency',
  'nothing_to_reverse',
  'worker_crashed',
];

/**
 * Which duplicate mode a postback of `type` from `source` gets, and where it comes
 * from: the type's own mode wins, then the offer source's, then create_new.
 */
export function modeFor(typeName, types, source) {
  const type = typeName ? types.find((t) => t.name === typeName) : null;
  if (type && type.duplicate_mode) return { mode: type.duplicate_mode, from: `conversion type “${type.name}”` };
  if (source && source.duplicate_mode) return { mode: source.duplicate_mode, from: `offer source “${source.name}”` };
  return { mode: 'create_new', from: 'the default (neither the type nor the offer source sets one)' };
}
