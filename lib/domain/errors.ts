/**
 * Domain errors carry a stable machine-readable code. HTTP statuses are assigned in one table
 * (lib/http/error-status.ts), never here: the domain knows nothing about transport.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'MALFORMED_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_KEY_REQUIRED'
  | 'INVALID_SIGNATURE'
  | 'AMOUNT_MISMATCH'
  | 'NTPN_CONFLICT'
  | 'BILLING_NOT_PAYABLE'
  | 'HOLDING_CAP_EXCEEDED'
  | 'RESELLER_SUSPENDED'
  | 'STOREFRONT_CLOSED'
  | 'STAMP_ALREADY_AFFIXED'
  | 'UPLOAD_MISSING'
  | 'FEE_CAP_EXCEEDED'
  | 'SALE_REFUSED'
  | 'RATE_LIMITED'
  | 'IDENTITY_NOT_VERIFIED'
  | 'IDENTITY_CHECK_UNAVAILABLE'
  | 'CONCURRENT_UPDATE'
  | 'KEY_LIMIT_REACHED'
  | 'SERVICE_BUSY'
  | 'INTERNAL';

export interface ErrorIssue {
  readonly path: string;
  readonly message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues: readonly ErrorIssue[] = [],
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} was not found`);
  }
}

/**
 * An Idempotency-Key seen before with another request: the first request's answer belongs to that key, so
 * this one is refused (409), never silently answered with the other request's result.
 */
export class IdempotencyKeyReusedError extends DomainError {
  constructor(what: string) {
    super('IDEMPOTENCY_KEY_REUSED', `this Idempotency-Key was already used with a different ${what}`, [
      { path: 'headers.idempotency-key', message: 'was used before with another body' },
    ]);
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, issues: readonly ErrorIssue[]) {
    super('VALIDATION_FAILED', message, issues);
  }
}

/**
 * A failure that is over by itself (a throttle, a conflict, a lost response): what a store raises when a
 * call failed that way and nobody retried it. The HTTP layer answers it 429 with Retry-After, never 5xx;
 * adapters subclass it, so that layer needs no knowledge of any store.
 */
export class TransientFailure extends Error {}

/** A retryable condition (throttling, transaction conflicts) that survived our own retries. */
export class ServiceBusyError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('SERVICE_BUSY', 'The service is busy; retry after the indicated delay');
  }
}

/** A conditional write lost a race; the use case decides whether to re-read or report a conflict. */
export class ConcurrentUpdateError extends DomainError {
  constructor(what: string) {
    super('CONCURRENT_UPDATE', `${what} was changed concurrently`);
  }
}

/** The civil registry does not know the NIK, or knows it under another name or birth date. */
export class IdentityNotVerifiedError extends DomainError {
  constructor(readonly reason: 'NIK_NOT_REGISTERED' | 'IDENTITY_MISMATCH') {
    super(
      'IDENTITY_NOT_VERIFIED',
      reason === 'NIK_NOT_REGISTERED'
        ? 'the civil registry has no person with this NIK'
        : 'the name or birth date does not match the civil registry for this NIK',
      reason === 'NIK_NOT_REGISTERED'
        ? [{ path: 'body.nik', message: 'is not registered with the civil registry' }]
        : [
            { path: 'body.fullName', message: 'must be the name on the KTP, as the civil registry holds it' },
            { path: 'body.birthDate', message: 'must be the birth date on the KTP' },
          ],
      { reason },
    );
  }
}

/** The civil registry cannot answer now: nothing was reserved; retry after the indicated delay. */
export class IdentityCheckUnavailableError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('IDENTITY_CHECK_UNAVAILABLE', 'the identity check is unavailable; retry after the indicated delay');
  }
}

/** A caller over an intake limit: answered 429 with Retry-After, and nothing is queued. */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', message);
  }
}
