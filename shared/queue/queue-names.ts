/**
 * Every queue of the system. The values are stored data (Redis keys and jobs in
 * flight): do not rename.
 */
export const QueueNames = {
  CLICKS: 'clicks',
  POSTBACKS: 'postbacks',
  COSTS: 'costs',
  OUTBOUND: 'outbound',
} as const;
export type QueueName = (typeof QueueNames)[keyof typeof QueueNames];
