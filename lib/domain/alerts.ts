/**
 * What the regulator is alerted to. Stored alerts are one item per (kind, subject, day) whatever the
 * recurrences (a count grows instead), so a caller repeating a refused call cannot grow the table; the
 * live ones (dead letters, idle stock, late refunds) are computed from the system's state when read.
 */
export const ALERT_KINDS = [
  /** A NIK reached the national daily cap. */
  'NIK_CAP_REACHED',
  /** A NIK ordered at several storefronts in one day: a scalper's footprint. */
  'NIK_MULTI_STOREFRONT',
  /** A reseller tried to set a service fee above its cap. */
  'FEE_CAP_VIOLATION_ATTEMPT',
  /** The tax authority reported a payment of another amount than the billing's. */
  'TAX_AMOUNT_MISMATCH',
  /** One NTPN reported for two billings. */
  'NTPN_CONFLICT',
  /** The gateway confirmed a refund of another amount than owed: it stays open. */
  'REFUND_AMOUNT_MISMATCH',
  /** A refund unconfirmed past its SLA (live). */
  'REFUND_PAST_SLA',
  /** Messages waiting in a dead-letter queue (live). */
  'DEAD_LETTERS',
  /** Stock idle at one vendor while others are sold out (live). */
  'IDLE_STOCK',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** The business key of an alert: its kind and subject (e.g. a NIK's HMAC and the day, a reseller). */
export const alertIdOf = (kind: AlertKind, ...subject: readonly string[]): string =>
  [kind, ...subject].join('#');
