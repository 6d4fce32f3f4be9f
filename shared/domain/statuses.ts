/** The four fixed conversion statuses (specification §4). Stored data: do not rename. */
export const STATUSES = ['approved', 'pending', 'declined', 'other'] as const;
export type Status = (typeof STATUSES)[number];

export function isStatus(value: unknown): value is Status {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}
