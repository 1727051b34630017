import { TERMINAL } from './client.js';
import type { OrderRecord, OrderView } from './model.js';
import type { SurgeOptions } from './options.js';

/** When the client may call an order settled, and why one that is not may still be fine. */

/** When the stack promises its last look at the gateway for this order's payment (plus one sweep). */
export const watchDue = (options: SurgeOptions, record: OrderRecord) =>
  Date.parse(record.payment?.expiresAt ?? '') +
  (options.paymentWatchSeconds + options.sweepIntervalSeconds) * 1000;

/** What the stack has given back or kept for this order, against what the applicant paid. */
export const moneyPending = (record: OrderRecord, view: OrderView): boolean => {
  const amount = view.payment?.amountIdr ?? record.payment?.amountIdr ?? 0;
  const kept = view.status === 'FULFILLED' ? 1 : 0;
  const back = view.refund?.status === 'COMPLETED' ? view.refund.amountIdr : 0;
  return kept + (amount > 0 ? back / amount : 0) < record.captures || view.refund?.status === 'PENDING';
};

export const isSettled = (options: SurgeOptions, record: OrderRecord, view: OrderView): boolean => {
  if (!TERMINAL.has(view.status)) return false;
  if (view.status === 'REJECTED') return true;
  // Every payment the applicant made must have bought the stamps or come back in full; a payment
  // attempt whose answer never came may have been captured, which only the stack's last look at the
  // gateway settles.
  if (record.uncertainCaptures > 0 && Date.now() < watchDue(options, record)) return false;
  return !moneyPending(record, view);
};

/**
 * An order not settled in time. Explained only when the stack's own promise is not due yet: an unpaid
 * reservation that outlives the run, or a payment awaiting the stack's last look at the gateway.
 * Anything else (including an order cut short by --max-wall) counts as a violation.
 */
export const explainUnsettled = (
  options: SurgeOptions,
  record: OrderRecord,
  settleHardStop: number,
): void => {
  const view = record.final;
  const expiresAt = record.payment ? Date.parse(record.payment.expiresAt) : undefined;
  if (
    view?.status === 'RESERVED' &&
    record.captures === 0 &&
    record.uncertainCaptures === 0 &&
    expiresAt !== undefined &&
    expiresAt + options.sweepIntervalSeconds * 1000 > Date.now()
  ) {
    record.explained = `unpaid, reserved until ${record.payment?.expiresAt}: expires after this run`;
  } else if (
    view &&
    TERMINAL.has(view.status) &&
    record.payment &&
    watchDue(options, record) > Date.now() &&
    (moneyPending(record, view) || record.uncertainCaptures > 0)
  ) {
    record.explained = `a payment not accounted for yet; the stack's last gateway check for it is due at ${new Date(watchDue(options, record)).toISOString()} (KUOTA_PAYMENT_WATCH_SECONDS = ${options.paymentWatchSeconds})`;
  } else if (Date.now() >= settleHardStop) {
    record.problem ??= 'not settled when the run reached its wall-time cap (--max-wall)';
  }
};
