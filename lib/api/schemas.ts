import { z } from 'zod';
import { STOREFRONT_ORDER_ID_PATTERN } from '../domain/identifiers.js';
import { STAMP_FACE_VALUE_IDR } from '../domain/money.js';
import { NIK_RULE_MESSAGES, nikViolation } from '../domain/nik.js';
import { MAX_STAMPS_PER_QUOTA_ORDER, QUOTA_ORDER_STATUSES } from '../domain/quota-order.js';
import { DELIVERY_STATUSES, RESELLER_EVENT_TYPES } from '../domain/reseller-webhooks.js';
import { STAMPING_FAILURES, STAMPING_STATUSES } from '../domain/stamping.js';
import { MOVEMENTS, type MovementKind, SALE_CHANNELS } from '../domain/stock.js';
import {
  MAX_STAMPS_PER_STOREFRONT_ORDER,
  REJECTION_REASONS,
  STOREFRONT_ORDER_STATUSES,
} from '../domain/storefront-order.js';
import { BILLING_CODE_PATTERN, NTPN_PATTERN } from '../domain/tax-payment.js';

/**
 * Request and response shapes of the HTTP API. Handlers parse with these schemas and the OpenAPI document
 * is generated from them, so the documentation cannot disagree with the code.
 */

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'VALIDATION_FAILED' }),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      reason: z
        .string()
        .optional()
        .meta({ description: 'Why, when a code has several causes (e.g. NIK_NOT_REGISTERED)' }),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

export const IdempotencyKeyHeader = z
  .string({ error: 'the Idempotency-Key header is required' })
  .min(8, 'must be 8 to 128 characters')
  .max(128, 'must be 8 to 128 characters')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may contain only letters, digits and _ . : -')
  .meta({ description: 'Client-chosen key; retries with the same key and body return the same answer.' });

export const BillingCode = z.string().regex(BILLING_CODE_PATTERN, 'must be 15 digits');
export const Ntpn = z.string().regex(NTPN_PATTERN, 'must be 16 characters A-Z or 0-9');
export const Rupiah = z.number().int('must be an integer number of rupiah').nonnegative().max(1e13);
export const IsoTimestamp = z.iso.datetime({ offset: true });

export const CreateQuotaOrderBody = z
  .strictObject({
    quantity: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(MAX_STAMPS_PER_QUOTA_ORDER, `must be at most ${MAX_STAMPS_PER_QUOTA_ORDER}`)
      .meta({ description: 'Number of stamps to buy; the duty is quantity x Rp10,000.', example: 1000 }),
  })
  .meta({ id: 'CreateQuotaOrder' });

export const QuotaOrderId = z.string().regex(/^QO_[0-9A-Z]{26}$/, 'is not a quota order id');

export const QuotaOrderView = z
  .object({
    id: QuotaOrderId,
    status: z.enum(QUOTA_ORDER_STATUSES),
    quantity: z.number().int(),
    amountIdr: Rupiah,
    billingCode: BillingCode,
    createdAt: IsoTimestamp,
    expiresAt: IsoTimestamp,
    ntpn: Ntpn.optional(),
    paidAt: IsoTimestamp.optional(),
    allocation: z
      .object({
        allocated: z.number().int(),
        remaining: z.number().int(),
        estimatedCompletionAt: IsoTimestamp.optional(),
      })
      .meta({ description: 'Stamps minted into the reseller’s stock so far, and when the rest should be.' }),
  })
  .meta({ id: 'QuotaOrder' });

export const QuotaOrderCreated = z
  .object({
    id: QuotaOrderId,
    status: z.literal('AWAITING_PAYMENT'),
    quantity: z.number().int(),
    amountIdr: Rupiah,
    billingCode: BillingCode,
    expiresAt: IsoTimestamp,
  })
  .meta({ id: 'QuotaOrderCreated' });

export const QuotaOrderPath = z.strictObject({ orderId: QuotaOrderId });

export const TaxAuthorityWebhookBody = z
  .strictObject({
    billingCode: BillingCode,
    ntpn: Ntpn,
    amountIdr: Rupiah,
    paidAt: IsoTimestamp,
  })
  .meta({ id: 'TaxAuthorityPaymentNotice' });

export const WebhookAccepted = z
  .object({ received: z.literal(true), outcome: z.enum(['CREDITED', 'ALREADY_CREDITED']) })
  .meta({ id: 'WebhookAccepted' });

export const SandboxBillingPath = z.strictObject({ billingCode: BillingCode });
export const SandboxPayBillingBody = z
  .strictObject({
    amountIdr: Rupiah.meta({
      description: 'Amount the payer transfers; the state bank accepts only the exact amount.',
    }),
  })
  .meta({ id: 'SandboxPayBilling' });
export const SandboxPayBillingResult = z
  .object({
    billingCode: BillingCode,
    ntpn: Ntpn,
    amountIdr: Rupiah,
    paidAt: IsoTimestamp,
    webhook: z.enum(['SCHEDULED', 'DROPPED']),
    deliveries: z.number().int(),
  })
  .meta({ id: 'SandboxPayment' });

const Rate = z
  .number()
  .min(0, 'must be between 0 and 1')
  .max(1, 'must be between 0 and 1')
  // DynamoDB stores no number of magnitude below 1e-130: a denormal rate would fail the write (a 5xx).
  .refine((rate) => rate === 0 || rate >= 1e-9, 'must be 0 or at least 0.000000001');
export const WebhookFaults = z.strictObject({
  duplicateRate: Rate.default(0),
  dropRate: Rate.default(0),
  delayMs: z.number().int().min(0).max(900_000, 'must be at most 900000 (SQS delay limit)').default(0),
  reorder: z.boolean().default(false),
});
/** The simulated civil registry: how often it is down, and how long each check takes. */
export const RegistryFaults = z.strictObject({
  unavailableRate: Rate.default(0),
  latencyMs: z.number().int().min(0).max(10_000, 'must be at most 10000').default(0),
});
export const SandboxFaultsBody = z
  .strictObject({
    taxAuthority: WebhookFaults.optional(),
    paymentGateway: WebhookFaults.optional(),
    civilRegistry: RegistryFaults.optional(),
  })
  .meta({ id: 'SandboxFaults' });
export const SandboxFaultsView = z
  .object({ taxAuthority: WebhookFaults, paymentGateway: WebhookFaults, civilRegistry: RegistryFaults })
  .meta({ id: 'SandboxFaultsState' });
export type WebhookFaultSettings = z.infer<typeof WebhookFaults>;
export type RegistryFaultSettings = z.infer<typeof RegistryFaults>;

export const ResellerIdPath = z.strictObject({
  resellerId: z.string().regex(/^R[0-9]{2}$/, 'must be a reseller id like R01'),
});

export const StockView = z
  .object({
    resellerId: z.string(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    sold: z.number().int(),
    returned: z.number().int(),
    allocatedTotal: z.number().int(),
    pipeline: z
      .number()
      .int()
      .meta({ description: 'Bought but not yet allocated (awaiting payment or minting)' }),
    holdingCap: z.number().int(),
  })
  .meta({ id: 'Stock' });

/**
 * The largest page of each list endpoint: a request for more is a 400 naming `query.limit`, so no call
 * reads more than this many items of its list, however long the history.
 */
export const MAX_PAGE = {
  ledger: 200,
  wholesaleOrders: 200,
  webhookDeliveries: 200,
  vendors: 50,
  alerts: 200,
  audit: 200,
  salesPoints: 1_440,
} as const;

/** `limit` of a list endpoint: 1 to `max` items, `fallback` when absent. */
export const pageLimit = (max: number, fallback: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(fallback)
    .meta({ description: `Items per page, 1 to ${max} (default ${fallback})` });

/** `cursor` of a list endpoint: the `nextCursor` of the previous page, opaque. */
export const PageCursor = z
  .string()
  .max(4096, 'must be a cursor returned by a previous page')
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page')
  .optional()
  .meta({ description: 'The nextCursor of the previous page; absent for the first page' });

const NextCursor = z
  .string()
  .optional()
  .meta({ description: 'Present when there is more: pass it as `cursor` for the next page' });

export const LedgerQuery = z.strictObject({
  cursor: PageCursor,
  limit: pageLimit(MAX_PAGE.ledger, 50),
  from: IsoTimestamp.optional(),
  to: IsoTimestamp.optional(),
});

export const LedgerEntryView = z
  .object({
    entryId: z.string(),
    kind: z.enum(Object.keys(MOVEMENTS) as [MovementKind, ...MovementKind[]]),
    quantity: z.number().int(),
    at: IsoTimestamp,
    reference: z.string(),
    shard: z.number().int(),
  })
  .meta({ id: 'LedgerEntry' });

export const LedgerPage = z
  .object({ entries: z.array(LedgerEntryView), nextCursor: NextCursor })
  .meta({ id: 'LedgerPage' });

export const VendorLimitsBody = z
  .strictObject({
    holdingCap: z.number().int('must be an integer').min(0).max(100_000_000).optional(),
    serviceFeeCapIdr: Rupiah.max(1_000_000).optional(),
  })
  .refine((body) => body.holdingCap !== undefined || body.serviceFeeCapIdr !== undefined, {
    message: 'set holdingCap, serviceFeeCapIdr or both',
  })
  .meta({ id: 'VendorLimits' });

export const VendorStatusView = z
  .object({
    resellerId: z.string(),
    status: z.enum(['ACTIVE', 'SUSPENDED']),
    holdingCap: z.number().int(),
    serviceFeeCapIdr: z.number().int(),
  })
  .meta({ id: 'VendorStatus' });

export const StorefrontPath = ResellerIdPath;
export const StorefrontOrderPath = z.strictObject({
  resellerId: z.string().regex(/^R[0-9]{2}$/, 'must be a reseller id like R01'),
  orderId: z.string().regex(STOREFRONT_ORDER_ID_PATTERN, 'is not a storefront order id'),
});

const QueueInfo = z.object({
  depth: z.number().int().meta({ description: 'Orders waiting for a reservation, all storefronts together' }),
  etaSeconds: z.number().int(),
});

export const OfferView = z
  .object({
    resellerId: z.string(),
    name: z.string(),
    unitPriceIdr: Rupiah,
    serviceFeeIdr: Rupiah,
    status: z.enum(['OPEN', 'CLOSED', 'SUSPENDED']),
    availability: z.enum(['AVAILABLE', 'LOW', 'SOLD_OUT']),
    queue: QueueInfo,
  })
  .meta({ id: 'Offer' });

/** The identity a buyer gives: NIK, and the name and birth date on the KTP (checked with the civil registry). */
export const NikField = z
  .string({ error: 'must be a string of 16 digits' })
  .superRefine((nik, context) => {
    const rule = nikViolation(nik);
    if (rule) context.addIssue({ code: 'custom', message: NIK_RULE_MESSAGES[rule], params: { rule } });
  })
  .meta({ description: 'The buyer’s NIK; stored only as a keyed HMAC', example: '3174015708900001' });
export const FullNameField = z
  .string({ error: 'must be a string' })
  .trim()
  .min(2, 'must be the full name on the KTP')
  .max(100, 'must be at most 100 characters')
  .regex(/^[\p{L} .'-]+$/u, "may hold only letters, spaces and . ' -")
  .meta({
    description: 'The buyer’s name as on the KTP; checked with the civil registry, never stored',
    example: 'Siti Rahayu',
  });
export const BirthDateField = z.iso.date({ error: 'must be a date, YYYY-MM-DD' }).meta({
  description: 'The buyer’s birth date as on the KTP; checked, never stored',
  example: '1990-08-17',
});

export const ContactField = z
  .strictObject({
    phone: z
      .string({ error: 'must be a string' })
      .regex(/^(\+62|0)8[0-9]{7,12}$/, 'must be an Indonesian mobile number, like 081234567890')
      .optional(),
    email: z.email({ error: 'must be an e-mail address' }).max(254).optional(),
  })
  .refine((contact) => contact.phone !== undefined || contact.email !== undefined, {
    error: 'give a phone number or an e-mail address',
  })
  .meta({
    description: 'Where to send notices about the order (reserved with its link, fulfilled, refunded)',
  });

export const PlaceOrderBody = z
  .strictObject({
    nik: NikField,
    fullName: FullNameField,
    birthDate: BirthDateField,
    contact: ContactField.optional(),
    quantity: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(MAX_STAMPS_PER_STOREFRONT_ORDER, `must be at most ${MAX_STAMPS_PER_STOREFRONT_ORDER}`),
  })
  .meta({ id: 'PlaceOrder' });

export const StorefrontOrderView = z
  .object({
    orderId: z.string(),
    resellerId: z.string(),
    status: z.enum(STOREFRONT_ORDER_STATUSES),
    quantity: z.number().int(),
    reason: z.enum(REJECTION_REASONS).optional(),
    unitPriceIdr: Rupiah.optional(),
    reservedUntil: IsoTimestamp.optional(),
    payment: z
      .object({ paymentId: z.string(), amountIdr: Rupiah, qris: z.string(), expiresAt: IsoTimestamp })
      .optional(),
    stamps: z.array(z.object({ serial: z.string() })).optional(),
    refund: z.object({ amountIdr: Rupiah, status: z.enum(['PENDING', 'COMPLETED']) }).optional(),
    queue: QueueInfo.optional(),
  })
  .meta({ id: 'StorefrontOrder' });

export const OrderAccepted = StorefrontOrderView.extend({
  orderToken: z.string().meta({ description: 'Send as the Order-Token header to read the order' }),
  statusUrl: z.string(),
}).meta({ id: 'OrderAccepted' });

export const StorefrontSettingsBody = z
  .strictObject({
    serviceFeeIdr: Rupiah.max(1_000_000, 'must be at most 1000000'),
    open: z.boolean({ error: 'must be true or false' }),
  })
  .meta({ id: 'StorefrontSettings' });

export const StorefrontSettingsView = z
  .object({
    resellerId: z.string(),
    serviceFeeIdr: Rupiah,
    unitPriceIdr: Rupiah,
    open: z.boolean(),
    serviceFeeCapIdr: Rupiah,
  })
  .meta({ id: 'StorefrontSettingsState' });

export const PaymentGatewayWebhookBody = z
  .strictObject({
    eventId: z.string().min(1).max(64),
    paymentId: z.string().min(1).max(64),
    reference: z.string().min(1).max(80).optional().meta({
      description:
        'The merchant reference the payment was created with (kuota’s order id); required on PAYMENT_CAPTURED',
    }),
    type: z.enum(['PAYMENT_CAPTURED', 'REFUND_COMPLETED']),
    amountIdr: Rupiah,
    occurredAt: IsoTimestamp,
    refundId: z.string().min(1).max(80).optional().meta({ description: 'Present on REFUND_COMPLETED' }),
  })
  .meta({ id: 'PaymentGatewayEvent' });

export const PaymentWebhookAccepted = z
  .object({
    received: z.literal(true),
    outcome: z.enum([
      'FULFILLED',
      'REFUND_REQUESTED',
      'ALREADY_PROCESSED',
      'COMPLETED',
      'ALREADY_COMPLETED',
      'AMOUNT_MISMATCH',
    ]),
  })
  .meta({ id: 'PaymentWebhookAccepted' });

export const SandboxPaymentPath = z.strictObject({
  paymentId: z.string().regex(/^PAY_[0-9A-Z]{26}$/, 'is not a payment id'),
});
export const SandboxPayPaymentBody = z
  .strictObject({
    amountIdr: Rupiah.optional().meta({ description: 'Defaults to the QR’s exact amount' }),
  })
  .meta({ id: 'SandboxPayPayment' });
export const SandboxPaymentResult = z
  .object({
    paymentId: z.string(),
    eventId: z.string(),
    amountIdr: Rupiah,
    occurredAt: IsoTimestamp,
    deliveries: z.number().int(),
  })
  .meta({ id: 'SandboxCapture' });

export const VendorRow = z
  .object({
    resellerId: z.string(),
    name: z.string(),
    status: z.enum(['ACTIVE', 'SUSPENDED']),
    quotaPaidIdr: Rupiah,
    allocated: z.number().int(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    sold: z.number().int(),
    affixed: z.number().int(),
    refundedCount: z.number().int(),
    refundedIdr: Rupiah,
    serviceFeeIdr: Rupiah,
    holdingCap: z.number().int(),
    lastSaleAt: IsoTimestamp.nullable(),
    daysOfCover: z
      .number()
      .nullable()
      .meta({ description: 'On-hand stock ÷ average daily sales; null before any sale' }),
    flags: z.array(z.string()),
  })
  .meta({ id: 'VendorRow' });
export const VendorsQuery = z.strictObject({
  limit: pageLimit(MAX_PAGE.vendors, MAX_PAGE.vendors),
  cursor: PageCursor,
});
export const VendorList = z
  .object({ vendors: z.array(VendorRow), generatedAt: IsoTimestamp, nextCursor: NextCursor })
  .meta({ id: 'VendorList' });

export const VendorLedgerQuery = z.strictObject({
  cursor: LedgerQuery.shape.cursor,
  limit: LedgerQuery.shape.limit,
  from: IsoTimestamp.optional(),
  to: IsoTimestamp.optional(),
});

export const AlertsQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(90, 'must be at most 90').default(7),
  limit: pageLimit(MAX_PAGE.alerts, MAX_PAGE.alerts),
  cursor: PageCursor,
});
export const AlertView = z
  .object({
    alertId: z.string(),
    kind: z.string(),
    at: IsoTimestamp,
    resellerId: z.string().optional(),
    evidence: z.record(z.string(), z.unknown()),
    occurrences: z.number().int().optional().meta({ description: 'How often it recurred that day' }),
    lastAt: IsoTimestamp.optional(),
  })
  .meta({ id: 'Alert' });
export const AlertList = z
  .object({ alerts: z.array(AlertView), nextCursor: NextCursor })
  .meta({ id: 'AlertList' });

/** A reseller's API key as the regulator manages it: never the key itself, never its hash. */
export const ResellerKeyView = z
  .object({
    keyId: z.string().meta({ description: 'The key’s public id (`KY_…`), to revoke it by' }),
    resellerId: z.string(),
    status: z.enum(['ACTIVE', 'EXPIRING', 'EXPIRED', 'REVOKED']).meta({
      description: 'EXPIRING: replaced by a rotation, works until `expiresAt`',
    }),
    createdAt: IsoTimestamp,
    expiresAt: IsoTimestamp.optional(),
    revokedAt: IsoTimestamp.optional(),
  })
  .meta({ id: 'ResellerKey' });
export const ResellerKeyList = z
  .object({ keys: z.array(ResellerKeyView), nextCursor: z.string().optional() })
  .meta({ id: 'ResellerKeyList' });
export const ResellerKeyQuery = z.strictObject({
  cursor: z
    .string()
    .max(256)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const ResellerKeyPath = z.strictObject({
  resellerId: z.string().regex(/^R[0-9]{2}$/, 'must be a reseller id like R01'),
  keyId: z.string().regex(/^KY_[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a key id like KY_01J…'),
});
export const IssuedResellerKey = z
  .object({
    apiKey: z.string().meta({ description: 'The new key: shown in this answer only, never again' }),
    key: ResellerKeyView,
  })
  .meta({ id: 'IssuedResellerKey' });
export const RotateKeysBody = z
  .strictObject({
    overlapSeconds: z
      .number()
      .int('must be an integer')
      .min(0)
      .max(7 * 86_400, 'must be at most 604800 (7 days)')
      .default(86_400)
      .meta({ description: 'How long the replaced keys keep working (default 1 day)' }),
  })
  .meta({ id: 'RotateKeys' });
export const RotatedResellerKeys = z
  .object({
    apiKey: z.string().meta({ description: 'The new key: shown in this answer only, never again' }),
    key: ResellerKeyView,
    replaced: z.array(ResellerKeyView).meta({ description: 'The keys that now stop at their `expiresAt`' }),
  })
  .meta({ id: 'RotatedResellerKeys' });

export const AuditQuery = z.strictObject({
  day: z.iso.date().optional(),
  limit: pageLimit(MAX_PAGE.audit, 100),
  cursor: PageCursor,
});
export const AuditList = z
  .object({
    records: z.array(
      z.object({
        auditId: z.string(),
        at: IsoTimestamp,
        actor: z.string(),
        action: z.string(),
        resellerId: z.string().optional(),
        details: z.record(z.string(), z.unknown()),
      }),
    ),
    nextCursor: NextCursor,
  })
  .meta({ id: 'AuditList' });

export const SalesQuery = z.strictObject({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 14)
    .default(24),
  limit: pageLimit(MAX_PAGE.salesPoints, MAX_PAGE.salesPoints),
  cursor: PageCursor,
});
export const SalesSeries = z
  .object({
    points: z.array(z.object({ at: IsoTimestamp, sold: z.number().int(), onHand: z.number().int() })),
    nextCursor: NextCursor,
  })
  .meta({ id: 'SalesSeries' });

export const PublicAvailability = z
  .object({
    updatedAt: IsoTimestamp,
    resellers: z.array(
      z.object({
        resellerId: z.string(),
        name: z.string(),
        availability: z.enum(['AVAILABLE', 'LOW', 'SOLD_OUT']),
        open: z.boolean(),
        unitPriceIdr: Rupiah,
        updatedAt: IsoTimestamp,
      }),
    ),
  })
  .meta({ id: 'PublicAvailability' });

export const SerialPath = z.strictObject({
  serial: z.string().regex(/^[A-Z0-9]{22}$/, 'must be 22 characters A-Z or 0-9'),
});
export const StampStatus = z
  .object({
    serial: z.string(),
    status: z.enum(['SOLD', 'AFFIXED']),
    resellerId: z.string(),
    soldAt: IsoTimestamp,
    affixedAt: IsoTimestamp.optional(),
    documentSha256: z.string().optional(),
    signedDigestSha256: z
      .string()
      .optional()
      .meta({ description: 'SHA-256 of the signed bytes of the stamped PDF the serial is bound to' }),
  })
  .meta({ id: 'StampStatus' });
export const PdfjsAssetPath = z.strictObject({
  file: z.enum(['pdf.min.mjs', 'pdf.worker.min.mjs'], { error: 'must be pdf.min.mjs or pdf.worker.min.mjs' }),
});
const StampingIdPattern = /^STP_[0-9A-Z]{26}$/;
const CheckIdPattern = /^CHK_[0-9A-Z]{26}$/;
export const StampingPath = z.strictObject({
  stampingId: z.string().regex(StampingIdPattern, 'is not a stamping id (STP_ and 26 characters)'),
});
export const DocumentCheckPath = z.strictObject({
  checkId: z.string().regex(CheckIdPattern, 'is not a document check id (CHK_ and 26 characters)'),
});
/** Bounds of a position in PDF points: 200 inches, PDF's own largest page. */
const PdfCoordinate = z
  .number({ error: 'must be a number of PDF points' })
  .min(0, 'must be 0 or more (points from the lower-left corner)')
  .max(14_400, 'must be at most 14400 (PDF points)');
export const CreateStampingBody = z
  .strictObject({
    page: z
      .number({ error: 'must be a page number' })
      .int('must be a whole page number')
      .min(1, 'must be 1 or more (pages count from 1)')
      .max(100_000, 'must be at most 100000')
      .optional()
      .meta({ description: 'Page to stamp, from 1; the last page when absent' }),
    x: PdfCoordinate.optional().meta({
      description: 'Left edge of the stamp, points from the lower-left corner',
    }),
    y: PdfCoordinate.optional().meta({
      description: 'Bottom edge of the stamp, points from the lower-left corner',
    }),
    documentName: z
      .string({ error: 'must be a file name' })
      .min(1, 'must not be empty')
      .max(120, 'must be at most 120 characters')
      .optional(),
  })
  .meta({ id: 'StampingCreate' });
export const UploadInstructions = z
  .object({
    url: z.string(),
    method: z.literal('PUT'),
    headers: z.record(z.string(), z.string()),
    expiresAt: IsoTimestamp,
    maxBytes: z.number().int(),
  })
  .meta({
    id: 'UploadInstructions',
    description: 'PUT the PDF to `url` with these headers before `expiresAt`',
  });
export const StampingCreated = z
  .object({
    stampingId: z.string(),
    serial: z.string(),
    status: z.literal('AWAITING_UPLOAD'),
    upload: UploadInstructions,
  })
  .meta({ id: 'StampingCreated' });
export const StampingView = z
  .object({
    stampingId: z.string(),
    serial: z.string(),
    status: z.enum(STAMPING_STATUSES),
    documentName: z.string(),
    createdAt: IsoTimestamp,
    reason: z.enum(STAMPING_FAILURES).optional(),
    message: z.string().optional(),
    stampedAt: IsoTimestamp.optional(),
    page: z.number().int().optional(),
    download: z.object({ url: z.string(), expiresAt: IsoTimestamp }).optional(),
  })
  .meta({ id: 'Stamping' });
export const DocumentCheckCreated = z
  .object({ checkId: z.string(), status: z.literal('AWAITING_UPLOAD'), upload: UploadInstructions })
  .meta({ id: 'DocumentCheckCreated' });
export const DocumentCheckView = z
  .object({
    checkId: z.string(),
    status: z.enum(['AWAITING_UPLOAD', 'CHECKED', 'UNREADABLE']),
    reason: z.enum(['NOT_A_PDF', 'TOO_LARGE']).optional(),
    signatures: z.array(
      z.object({
        serial: z.string(),
        status: z.enum(['SOLD', 'AFFIXED', 'UNKNOWN']),
        stampedAt: IsoTimestamp.optional(),
        resellerId: z.string().optional(),
        dutyIdr: z.number().int(),
        signatureValid: z.boolean(),
        documentIntact: z.boolean(),
        certificateChainValid: z.boolean(),
        boundToThisDocument: z.boolean(),
        valid: z.boolean().meta({ description: 'All four checks hold and the serial is AFFIXED' }),
      }),
    ),
  })
  .meta({ id: 'DocumentCheck' });

/** A person of the simulated civil registry (sandbox only: synthetic people, never real ones). */
export const SandboxPerson = z
  .object({ nik: z.string(), fullName: z.string(), birthDate: z.string() })
  .meta({ id: 'SandboxPerson' });
export const SandboxPersonBody = z
  .strictObject({ nik: NikField, fullName: FullNameField, birthDate: BirthDateField })
  .meta({ id: 'SandboxPersonCreate' });
export const SandboxPeopleQuery = z.strictObject({
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  count: z.coerce.number().int().min(1).max(100).default(10),
});
export const SandboxPeopleView = z
  .object({ people: z.array(SandboxPerson), nextOffset: z.number().int() })
  .meta({ id: 'SandboxPeople' });

export const OrderRecoveryBody = z
  .strictObject({ nik: NikField, fullName: FullNameField, birthDate: BirthDateField })
  .meta({ id: 'OrderRecovery' });
export const OrderRecoveryResult = z
  .object({
    noticesSent: z.number().int().meta({
      description:
        'Notices sent to the contacts on the orders (never to the caller); 0 when no order has one',
    }),
  })
  .meta({ id: 'OrderRecoveryResult' });
export const SandboxOutboxQuery = z.strictObject({ to: z.string().min(3).max(254) });
export const SandboxOutbox = z
  .object({
    notices: z.array(
      z.object({
        noticeId: z.string(),
        kind: z.string(),
        channel: z.string(),
        to: z.string(),
        orderId: z.string(),
        link: z.string(),
        text: z.string(),
        sentAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'SandboxOutbox' });

/** Where a reseller sold: its kuota-hosted storefront, or its own channel (counter, own app). */
export const SaleChannelField = z.enum(SALE_CHANNELS);

export const OwnChannelSaleBody = z
  .strictObject({
    nik: NikField,
    fullName: FullNameField,
    birthDate: BirthDateField,
    quantity: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(MAX_STAMPS_PER_STOREFRONT_ORDER, `must be at most ${MAX_STAMPS_PER_STOREFRONT_ORDER}`),
    unitPriceIdr: z
      .number({ error: 'must be a number' })
      .int('must be an integer number of rupiah')
      .min(STAMP_FACE_VALUE_IDR, `must be at least the face value, ${STAMP_FACE_VALUE_IDR}`)
      .max(STAMP_FACE_VALUE_IDR + 1_000_000, `must be at most ${STAMP_FACE_VALUE_IDR + 1_000_000}`)
      .meta({
        description:
          'What the applicant paid the reseller per stamp: at least the face value (Rp10,000), at most the face value plus the regulator’s service-fee cap (else 422 FEE_CAP_EXCEEDED)',
        example: 12_500,
      }),
  })
  .meta({ id: 'OwnChannelSale' });

export const WholesaleOrderView = z
  .object({
    orderId: z.string(),
    resellerId: z.string(),
    channel: SaleChannelField,
    status: z.enum(STOREFRONT_ORDER_STATUSES),
    quantity: z.number().int(),
    buyer: z.string().meta({
      description: 'Pseudonymous reference of the buyer (a prefix of the NIK’s keyed hash), never the NIK',
      example: 'nik:3kX9f0aB1cDe',
    }),
    createdAt: IsoTimestamp,
    reason: z.enum(REJECTION_REASONS).optional(),
    unitPriceIdr: Rupiah.optional(),
    amountIdr: Rupiah.optional(),
    serviceFeeIdr: Rupiah.optional().meta({ description: 'The part of amountIdr above face value' }),
    reservedAt: IsoTimestamp.optional(),
    reservedUntil: IsoTimestamp.optional(),
    fulfilledAt: IsoTimestamp.optional(),
    expiredAt: IsoTimestamp.optional(),
    stamps: z.array(z.object({ serial: z.string(), status: z.enum(['SOLD', 'AFFIXED']) })).optional(),
    refund: z.object({ amountIdr: Rupiah, status: z.enum(['PENDING', 'COMPLETED']) }).optional(),
  })
  .meta({ id: 'WholesaleOrder' });

export const OwnChannelSaleResult = WholesaleOrderView.extend({
  orderToken: z.string().meta({
    description:
      'Hand it to the applicant: sent as the Order-Token header, it stamps their PDFs (POST /v1/stamps/{serial}/stampings)',
  }),
  stampingUrls: z
    .array(z.string())
    .meta({ description: 'Where a stamping of each stamp starts (POST, with the Order-Token)' }),
}).meta({ id: 'OwnChannelSaleResult' });

export const WholesaleOrdersQuery = z.strictObject({
  status: z.enum(STOREFRONT_ORDER_STATUSES).optional(),
  from: IsoTimestamp.optional().meta({ description: 'Created at or after this instant' }),
  to: IsoTimestamp.optional().meta({ description: 'Created at or before this instant' }),
  limit: pageLimit(MAX_PAGE.wholesaleOrders, 50),
  cursor: PageCursor,
});

export const WholesaleOrderPage = z
  .object({ orders: z.array(WholesaleOrderView), nextCursor: NextCursor })
  .meta({ id: 'WholesaleOrderPage' });

export const WholesaleOrderPath = z.strictObject({
  orderId: z.string().regex(STOREFRONT_ORDER_ID_PATTERN, 'is not an order id'),
});

export const SettlementPath = z.strictObject({
  date: z.iso.date({ error: 'must be a date, YYYY-MM-DD (an Asia/Jakarta day)' }),
});

export const SettlementView = z
  .object({
    resellerId: z.string(),
    date: z.iso.date(),
    timeZone: z.literal('Asia/Jakarta'),
    from: IsoTimestamp,
    to: IsoTimestamp,
    channels: z.array(
      z.object({
        channel: SaleChannelField,
        sales: z.number().int(),
        stamps: z.number().int(),
        grossIdr: Rupiah,
        serviceFeesIdr: Rupiah,
      }),
    ),
    stamps: z.number().int(),
    grossIdr: Rupiah.meta({ description: 'What buyers paid for the stamps sold that day' }),
    serviceFeesIdr: Rupiah.meta({ description: 'The part of gross above face value' }),
    refunds: z
      .object({ count: z.number().int(), amountIdr: Rupiah })
      .meta({ description: 'Refunds the gateway confirmed in full that day' }),
    netIdr: z.number().int().meta({ description: 'gross - refunds' }),
    quotaPaid: z
      .object({ orders: z.number().int(), stamps: z.number().int(), amountIdr: Rupiah })
      .meta({ description: 'Quota orders whose duty was paid to the tax authority that day' }),
  })
  .meta({ id: 'Settlement' });

export const WebhookEndpointBody = z
  .strictObject({
    url: z.string({ error: 'must be a string' }).max(2048, 'must be at most 2048 characters').meta({
      description:
        'Where kuota POSTs events: a public https URL (the local stack: a loopback receiver, http or https)',
      example: 'https://erp.example.co.id/kuota/webhooks',
    }),
    events: z
      .array(z.enum(RESELLER_EVENT_TYPES), { error: 'must be a list of event types' })
      .min(1, 'name at least one event type')
      .max(RESELLER_EVENT_TYPES.length),
    rotateSecret: z
      .boolean({ error: 'must be true or false' })
      .optional()
      .meta({ description: 'Make a new signing secret (shown once); the old one signs too for 24 h' }),
    lowStockDaysOfCover: z
      .number({ error: 'must be a number' })
      .min(0.1, 'must be at least 0.1')
      .max(365, 'must be at most 365')
      .optional()
      .meta({
        description: 'stock.low when on-hand stock covers fewer days than this at the recent sales rate',
      }),
  })
  .meta({ id: 'WebhookEndpointSettings' });

export const WebhookEndpointView = z
  .object({
    url: z.string(),
    events: z.array(z.enum(RESELLER_EVENT_TYPES)),
    lowStockDaysOfCover: z.number().optional(),
    secret: z.string().optional().meta({
      description: 'The signing secret: only in the answer that made it (first set-up or rotation)',
    }),
    secretCreatedAt: IsoTimestamp,
    previousSecretValidUntil: IsoTimestamp.optional().meta({
      description: 'During a rotation: until when deliveries also carry a v1 under the previous secret',
    }),
    createdAt: IsoTimestamp,
    updatedAt: IsoTimestamp,
  })
  .meta({ id: 'WebhookEndpoint' });

export const WebhookDeliveriesQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: pageLimit(MAX_PAGE.webhookDeliveries, 50),
  cursor: PageCursor,
});

export const WebhookDeliveryView = z
  .object({
    eventId: z.string(),
    type: z.enum(RESELLER_EVENT_TYPES),
    createdAt: IsoTimestamp,
    status: z.enum(DELIVERY_STATUSES),
    attemptCount: z.number().int(),
    attempts: z.array(
      z.object({
        at: IsoTimestamp,
        durationMs: z.number().int(),
        statusCode: z.number().int().optional(),
        error: z.string().optional(),
      }),
    ),
    nextAttemptAt: IsoTimestamp.optional(),
    deliveredAt: IsoTimestamp.optional(),
    deadLetteredAt: IsoTimestamp.optional(),
    cancelledReason: z.string().optional(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WebhookDelivery' });

export const WebhookDeliveryPage = z
  .object({ deliveries: z.array(WebhookDeliveryView), nextCursor: NextCursor })
  .meta({ id: 'WebhookDeliveryPage' });

export const WebhookEventPath = z.strictObject({
  eventId: z.string().regex(/^EV_[0-9A-Z]{26}$/, 'is not an event id'),
});
