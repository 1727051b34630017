/**
 * kuota's own CloudWatch metrics: their namespace, names and dimensions, in one place, so the code that
 * publishes a metric (Powertools Metrics, `lib/adapters/metrics.ts`) and the alarm that watches it (`cdk/`)
 * cannot name it differently. Every metric is published with exactly `metricDimensions(stage)`.
 */
export const METRICS_NAMESPACE = 'kuota';

/** Powertools' `service` dimension of every kuota metric. */
export const METRICS_SERVICE = 'kuota';

/** The dimensions every kuota metric carries (an alarm must name the same ones to see it). */
export const metricDimensions = (stage: string): { service: string; stage: string } => ({
  service: METRICS_SERVICE,
  stage,
});

/**
 * Published by each run of the tax reconciliation (every minute), unit Count:
 * - `ReconciliationBacklog`: quota orders still awaiting payment that the run did not get to check
 *   (awaiting after the run − those the run checked and left awaiting). Above 0 for several runs in a row
 *   means the per-run budget no longer covers every billing each minute, so a lost tax-authority webhook
 *   may wait several minutes for its credit.
 * - `ReconciliationChecks`: billings the run asked the tax authority about (at most the per-run budget).
 * - `QuotaOrdersAwaitingPayment`: quota orders awaiting payment after the run, all resellers.
 */
export const ReconciliationMetric = {
  backlog: 'ReconciliationBacklog',
  checks: 'ReconciliationChecks',
  awaiting: 'QuotaOrdersAwaitingPayment',
} as const;

export const RECONCILIATION_BACKLOG_METRIC = ReconciliationMetric.backlog;

/**
 * Published by scheduled jobs for the alarms of the operations stack (cdk/constructs/operations.ts), unit
 * Count:
 * - `RefundsPastSla`: refunds the sweeper found unconfirmed past KUOTA_REFUND_SLA_SECONDS (each run, every
 *   minute; 0 when none).
 * - `LedgerDifferences`: differences the scheduled ledger check found (every hour; 0 when balanced). One
 *   scan is not a snapshot, so a sale in flight can show as a difference once: the alarm wants two runs in a
 *   row.
 */
export const OperationsMetric = {
  refundsPastSla: 'RefundsPastSla',
  ledgerDifferences: 'LedgerDifferences',
} as const;

/**
 * The sale path's business figures, each published once at the committed transition it counts (a
 * replayed request or a redelivered message counts nothing): unit Count, except `QueueWaitSeconds`.
 * - `OrdersAccepted`: new storefront orders taken at intake (reserved, queued or refused there).
 * - `OrdersReserved`: reservations made, at intake or from the queue.
 * - `OrdersQueued`: orders intake put in the queue (202).
 * - `OrdersRejected`: orders refused by a rule (sold out, the cap), at intake or from the queue.
 * - `OrdersFulfilled` and `StampsSold`: paid orders fulfilled, and their stamps.
 * - `OrdersRefunded`: refunds the gateway confirmed at the amount owed.
 * - `QueueWaitSeconds`: for an order reserved from the queue, how long it waited since intake.
 */
export const SaleMetric = {
  accepted: 'OrdersAccepted',
  reserved: 'OrdersReserved',
  queued: 'OrdersQueued',
  rejected: 'OrdersRejected',
  fulfilled: 'OrdersFulfilled',
  stampsSold: 'StampsSold',
  refunded: 'OrdersRefunded',
  queueWaitSeconds: 'QueueWaitSeconds',
} as const;
