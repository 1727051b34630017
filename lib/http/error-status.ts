import type { ErrorCode } from '../domain/errors.js';

/** The one table from domain error codes to HTTP statuses. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  UNAUTHENTICATED: 401,
  INVALID_SIGNATURE: 401,
  FORBIDDEN: 403,
  RESELLER_SUSPENDED: 403,
  STOREFRONT_CLOSED: 403,
  STAMP_ALREADY_AFFIXED: 409,
  // The stamping waits for its document: upload it, then submit again.
  UPLOAD_MISSING: 409,
  FEE_CAP_EXCEEDED: 422,
  // An own-channel sale refused by a business rule (sold out, the buyer's national cap): nothing sold.
  SALE_REFUSED: 422,
  RATE_LIMITED: 429,
  IDENTITY_NOT_VERIFIED: 422,
  // The registry, not kuota, is down: the order was not taken, and the client is told when to retry.
  IDENTITY_CHECK_UNAVAILABLE: 503,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  IDEMPOTENCY_KEY_REUSED: 409,
  NTPN_CONFLICT: 409,
  CONCURRENT_UPDATE: 409,
  // Revoke a key first: a reseller cannot pile up working keys (each rotation touches all of them).
  KEY_LIMIT_REACHED: 409,
  BILLING_NOT_PAYABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  AMOUNT_MISMATCH: 422,
  HOLDING_CAP_EXCEEDED: 422,
  // Never a 5xx for load: a busy store is the client's cue to back off, not an outage.
  SERVICE_BUSY: 429,
  INTERNAL: 500,
};
