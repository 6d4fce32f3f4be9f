/** Every error code the API answers with. Clients match on these: do not rename. */
export const ErrorCodes = {
  VALIDATION: 'REQUEST.INVALID',
  POSTBACK_INVALID: 'POSTBACK.INVALID_PARAMS',
  UNAUTHORIZED: 'AUTH.UNAUTHORIZED',
  NOT_FOUND: 'RESOURCE.NOT_FOUND',
  CONFLICT: 'RESOURCE.CONFLICT',
  JOURNEY_LIMIT: 'CONVERSION_TYPE.JOURNEY_LIMIT',
  QUEUE_UNAVAILABLE: 'QUEUE.UNAVAILABLE',
  STORE_UNAVAILABLE: 'STORE.UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
