import type { z } from 'zod';
import type { FunctionSpec } from '../infra/functions.js';
import {
  AffixBody,
  AffixResult,
  AlertList,
  AlertsQuery,
  AuditList,
  AuditQuery,
  CreateQuotaOrderBody,
  ErrorBody,
  IdempotencyKeyHeader,
  LedgerPage,
  LedgerQuery,
  OfferView,
  OrderAccepted,
  PaymentGatewayWebhookBody,
  PaymentWebhookAccepted,
  PlaceOrderBody,
  PublicAvailability,
  QuotaOrderCreated,
  QuotaOrderPath,
  QuotaOrderView,
  ResellerIdPath,
  SalesQuery,
  SalesSeries,
  SandboxBillingPath,
  SandboxFaultsBody,
  SandboxFaultsView,
  SandboxPayBillingBody,
  SandboxPayBillingResult,
  SandboxPaymentPath,
  SandboxPaymentResult,
  SandboxPayPaymentBody,
  SerialPath,
  StampStatus,
  StockView,
  StorefrontOrderPath,
  StorefrontOrderView,
  StorefrontPath,
  StorefrontSettingsBody,
  StorefrontSettingsView,
  TaxAuthorityWebhookBody,
  VendorLedgerQuery,
  VendorLimitsBody,
  VendorList,
  VendorStatusView,
  WebhookAccepted,
} from './schemas.js';

/**
 * Every HTTP route of kuota: method, path, who may call it, the function behind it, and its request and
 * response schemas. API Gateway, the local runtime, the handlers and the OpenAPI document all read this.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * `reseller` / `regulator`: the API Gateway authorizer runs first (401 without a valid key) and the handler
 * checks the role (403). `webhook`: no authorizer, the handler verifies the HMAC signature. `public`: open.
 */
export type RouteAuth = 'reseller' | 'regulator' | 'webhook' | 'public';

/** A header a route reads or sends outside its zod schemas, named here so the OpenAPI document shows it. */
export interface HeaderSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
}

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: z.ZodType;
  readonly contentType?: string;
  readonly headers?: readonly HeaderSpec[];
}

const ORDER_TOKEN: HeaderSpec = {
  name: 'Order-Token',
  description: 'The token the order was placed with (`orderToken`); without it the order answers 404',
  required: true,
};
const RETRY_AFTER: HeaderSpec = {
  name: 'Retry-After',
  description: 'Seconds until the order is worth reading again (absent once it has ended)',
};

export interface RouteDefinition extends FunctionSpec {
  readonly method: HttpMethod;
  readonly path: string;
  readonly auth: RouteAuth;
  /** For `webhook` routes: whose shared secret signs the body. */
  readonly webhookSecret?: 'taxAuthority' | 'paymentGateway';
  readonly summary: string;
  readonly tag: string;
  readonly request: {
    readonly params?: z.ZodType;
    readonly query?: z.ZodType;
    readonly body?: z.ZodType;
    readonly idempotencyKey?: z.ZodType;
    readonly headers?: readonly HeaderSpec[];
  };
  readonly responses: Readonly<Record<number, ResponseSpec>>;
}

const errors = (...codes: number[]): Record<number, ResponseSpec> => {
  const descriptions: Record<number, string> = {
    400: 'Invalid input; `issues` names each field and the rule it broke',
    401: 'Missing or invalid credentials or signature',
    403: 'Authenticated, but not allowed',
    404: 'Not found (also for resources of another reseller)',
    409: 'Conflict with the current state or an earlier request',
    413: 'Body larger than the limit',
    422: 'Well-formed but violates a business rule',
    429: 'Too many requests; retry after the `Retry-After` seconds',
  };
  return Object.fromEntries(
    codes.map((code) => [code, { description: descriptions[code] ?? 'Error', schema: ErrorBody }]),
  );
};

const http = {
  timeoutSeconds: 10,
  memoryMb: 1024,
  readsSecrets: false,
  sandboxOnly: false,
  sendsTo: [],
} as const;

export const routes = {
  createQuotaOrder: {
    ...http,
    id: 'createQuotaOrder',
    entry: 'functions/wholesale/create-quota-order.ts',
    description: 'Creates a quota order and its tax billing code',
    method: 'POST',
    path: '/v1/wholesale/quota-orders',
    auth: 'reseller',
    tag: 'Wholesale',
    summary: 'Buy stamp quota: get a billing code to pay the duty to the tax authority',
    tables: { main: 'readwrite', sandbox: 'readwrite' },
    request: { body: CreateQuotaOrderBody, idempotencyKey: IdempotencyKeyHeader },
    responses: {
      201: {
        description: 'Created (or the same answer again for a retried Idempotency-Key)',
        schema: QuotaOrderCreated,
      },
      ...errors(400, 401, 403, 409, 413, 422, 429),
    },
  },
  getQuotaOrder: {
    ...http,
    id: 'getQuotaOrder',
    entry: 'functions/wholesale/get-quota-order.ts',
    description: 'Reads one of the caller’s quota orders',
    method: 'GET',
    path: '/v1/wholesale/quota-orders/{orderId}',
    auth: 'reseller',
    tag: 'Wholesale',
    summary: 'A quota order with its status, NTPN once paid, and allocation progress',
    tables: { main: 'read' },
    request: { params: QuotaOrderPath },
    responses: {
      200: { description: 'The order', schema: QuotaOrderView },
      ...errors(400, 401, 403, 404, 429),
    },
  },
  getStock: {
    ...http,
    id: 'getStock',
    entry: 'functions/wholesale/get-stock.ts',
    description: 'Reads the caller’s stock summed over its shards',
    method: 'GET',
    path: '/v1/wholesale/stock',
    auth: 'reseller',
    tag: 'Wholesale',
    summary: 'Stock on hand, reserved, sold, allocated in total, and the holding cap',
    tables: { main: 'read' },
    request: {},
    responses: { 200: { description: 'The stock', schema: StockView }, ...errors(401, 403, 429) },
  },
  listLedger: {
    ...http,
    id: 'listLedger',
    entry: 'functions/wholesale/list-ledger.ts',
    description: 'Lists the caller’s ledger entries, newest first',
    method: 'GET',
    path: '/v1/wholesale/ledger',
    auth: 'reseller',
    tag: 'Wholesale',
    summary: 'Every stamp movement of the caller (mint, reserve, sell, release, return), paginated',
    tables: { main: 'read' },
    request: { query: LedgerQuery },
    responses: {
      200: { description: 'A page of entries', schema: LedgerPage },
      ...errors(400, 401, 403, 429),
    },
  },
  suspendVendor: {
    ...http,
    id: 'suspendVendor',
    entry: 'functions/regulator/suspend-vendor.ts',
    description: 'Suspends a reseller: no new quota orders, no storefront sales',
    method: 'POST',
    path: '/v1/regulator/vendors/{resellerId}/suspend',
    auth: 'regulator',
    tag: 'Regulator',
    summary: 'Suspend a reseller (recorded in the audit log)',
    tables: { main: 'readwrite' },
    request: { params: ResellerIdPath },
    responses: {
      200: { description: 'The reseller’s new status', schema: VendorStatusView },
      ...errors(400, 401, 403, 404),
    },
  },
  resumeVendor: {
    ...http,
    id: 'resumeVendor',
    entry: 'functions/regulator/resume-vendor.ts',
    description: 'Lifts a reseller’s suspension',
    method: 'POST',
    path: '/v1/regulator/vendors/{resellerId}/resume',
    auth: 'regulator',
    tag: 'Regulator',
    summary: 'Resume a suspended reseller (recorded in the audit log)',
    tables: { main: 'readwrite' },
    request: { params: ResellerIdPath },
    responses: {
      200: { description: 'The reseller’s new status', schema: VendorStatusView },
      ...errors(400, 401, 403, 404),
    },
  },
  setVendorLimits: {
    ...http,
    id: 'setVendorLimits',
    entry: 'functions/regulator/set-vendor-limits.ts',
    description: 'Sets a reseller’s holding cap and service-fee cap',
    method: 'PUT',
    path: '/v1/regulator/vendors/{resellerId}/limits',
    auth: 'regulator',
    tag: 'Regulator',
    summary: 'Set holding cap and/or service-fee cap (recorded in the audit log)',
    tables: { main: 'readwrite' },
    request: { params: ResellerIdPath, body: VendorLimitsBody },
    responses: {
      200: { description: 'The reseller’s limits now', schema: VendorStatusView },
      ...errors(400, 401, 403, 404, 413),
    },
  },
  taxAuthorityWebhook: {
    ...http,
    id: 'taxAuthorityWebhook',
    entry: 'functions/webhooks/tax-authority.ts',
    description: 'Receives signed payment notices from the tax authority',
    method: 'POST',
    path: '/v1/webhooks/tax-authority',
    auth: 'webhook',
    webhookSecret: 'taxAuthority',
    tag: 'Webhooks',
    summary: 'Payment notice (billing code paid, NTPN issued); credits the quota order exactly once',
    tables: { main: 'readwrite' },
    sendsTo: ['allocation'],
    readsSecrets: true,
    request: { body: TaxAuthorityWebhookBody },
    responses: {
      200: { description: 'Recorded (also for a repeated notice)', schema: WebhookAccepted },
      ...errors(400, 401, 404, 409, 413, 422, 429),
    },
  },
  sandboxPayBilling: {
    ...http,
    id: 'sandboxPayBilling',
    entry: 'functions/sandbox/pay-billing.ts',
    description: 'Sandbox: simulates paying a billing code at a bank',
    method: 'POST',
    path: '/sandbox/tax-authority/billings/{billingCode}/pay',
    auth: 'public',
    tag: 'Sandbox',
    summary: 'Pay a billing code (sandbox tax authority); issues an NTPN and sends the signed webhook',
    tables: { sandbox: 'readwrite' },
    sendsTo: ['webhookDelivery'],
    sandboxOnly: true,
    request: { params: SandboxBillingPath, body: SandboxPayBillingBody },
    responses: {
      200: { description: 'Paid', schema: SandboxPayBillingResult },
      ...errors(400, 404, 409, 413, 422),
    },
  },
  sandboxSetFaults: {
    ...http,
    id: 'sandboxSetFaults',
    entry: 'functions/sandbox/set-faults.ts',
    description: 'Sandbox: configures webhook faults of the simulated external parties',
    method: 'POST',
    path: '/sandbox/faults',
    auth: 'public',
    tag: 'Sandbox',
    summary: 'Configure duplicate, dropped, delayed and reordered webhooks',
    tables: { sandbox: 'readwrite' },
    sandboxOnly: true,
    request: { body: SandboxFaultsBody },
    responses: {
      200: { description: 'The faults now in force', schema: SandboxFaultsView },
      ...errors(400, 413),
    },
  },
  getOffer: {
    ...http,
    id: 'getOffer',
    entry: 'functions/storefront/get-offer.ts',
    description: 'A storefront’s price, availability and queue',
    method: 'GET',
    path: '/v1/storefronts/{resellerId}/offer',
    auth: 'public',
    tag: 'Storefront',
    summary: 'What this storefront sells now: unit price, availability, queue depth and wait',
    tables: { main: 'read' },
    readsQueueDepth: ['storefrontOrders'],
    request: { params: StorefrontPath },
    responses: { 200: { description: 'The offer', schema: OfferView }, ...errors(400, 404, 429) },
  },
  placeOrder: {
    ...http,
    id: 'placeOrder',
    entry: 'functions/storefront/place-order.ts',
    description: 'Reserves an applicant’s order with its QRIS payment, or queues it when saturated',
    method: 'POST',
    path: '/v1/storefronts/{resellerId}/orders',
    auth: 'public',
    tag: 'Storefront',
    summary:
      'Order stamps (NIK + quantity): 201 reserved with the QRIS payment, or 202 queued when the reservation path is saturated',
    tables: { main: 'readwrite', sandbox: 'readwrite' },
    sendsTo: ['storefrontOrders', 'storefrontTimers'],
    readsQueueDepth: ['storefrontOrders'],
    readsSecrets: true,
    request: { params: StorefrontPath, body: PlaceOrderBody, idempotencyKey: IdempotencyKeyHeader },
    responses: {
      201: {
        description:
          'Reserved: the body carries the QRIS payment to pay before `reservedUntil` (a retried Idempotency-Key gets the order as it stands now)',
        schema: OrderAccepted,
        headers: [RETRY_AFTER],
      },
      202: {
        description:
          'Queued: the reservation path is saturated or others are waiting; `queue` gives the position and ETA, Retry-After when to look',
        schema: OrderAccepted,
        headers: [RETRY_AFTER],
      },
      ...errors(400, 403, 404, 409, 413, 429),
    },
  },
  getStorefrontOrder: {
    ...http,
    id: 'getStorefrontOrder',
    entry: 'functions/storefront/get-order.ts',
    description: 'An applicant reads their order with its Order-Token',
    method: 'GET',
    path: '/v1/storefronts/{resellerId}/orders/{orderId}',
    auth: 'public',
    tag: 'Storefront',
    summary:
      'Order status, QRIS payment, serials, refund (needs the Order-Token header; `Prefer: wait=N` holds up to 8 s for a change)',
    // Light: a read, or a read that waits; most of its time is spent waiting.
    memoryMb: 256,
    tables: { main: 'read' },
    readsSecrets: true,
    readsQueueDepth: ['storefrontOrders'],
    request: {
      params: StorefrontOrderPath,
      headers: [
        ORDER_TOKEN,
        {
          name: 'Prefer',
          description:
            '`wait=N` (RFC 7240): hold the read up to N seconds (at most 8) until a queued or reserved order moves on; answered with `Preference-Applied`',
        },
      ],
    },
    responses: {
      200: { description: 'The order', schema: StorefrontOrderView, headers: [RETRY_AFTER] },
      ...errors(400, 404, 429),
    },
  },
  updateStorefront: {
    ...http,
    id: 'updateStorefront',
    entry: 'functions/wholesale/update-storefront.ts',
    description: 'A reseller sets its service fee and opens or closes its storefront',
    method: 'PUT',
    path: '/v1/wholesale/storefront',
    auth: 'reseller',
    tag: 'Wholesale',
    summary: 'Set the storefront’s service fee (at most the regulator’s cap) and open/closed',
    tables: { main: 'readwrite' },
    request: { body: StorefrontSettingsBody },
    responses: {
      200: { description: 'The storefront settings now', schema: StorefrontSettingsView },
      ...errors(400, 401, 403, 413, 422),
    },
  },
  paymentGatewayWebhook: {
    ...http,
    id: 'paymentGatewayWebhook',
    entry: 'functions/webhooks/payment-gateway.ts',
    description: 'Receives signed capture and refund events from the QRIS payment gateway',
    method: 'POST',
    path: '/v1/webhooks/payment-gateway',
    auth: 'webhook',
    webhookSecret: 'paymentGateway',
    tag: 'Webhooks',
    summary: 'Payment captured (fulfil or refund 100%) / refund completed',
    tables: { main: 'readwrite', sandbox: 'readwrite' },
    sendsTo: ['webhookDelivery'],
    readsSecrets: true,
    request: { body: PaymentGatewayWebhookBody },
    responses: {
      200: { description: 'Processed (also for a repeated event)', schema: PaymentWebhookAccepted },
      ...errors(400, 401, 404, 413, 429),
    },
  },
  sandboxPayPayment: {
    ...http,
    id: 'sandboxPayPayment',
    entry: 'functions/sandbox/pay-payment.ts',
    description: 'Sandbox: simulates a buyer paying a QRIS payment',
    method: 'POST',
    path: '/sandbox/payment-gateway/payments/{paymentId}/pay',
    auth: 'public',
    tag: 'Sandbox',
    summary: 'Pay a QRIS payment (sandbox gateway), on time, late or twice; sends the signed webhook',
    tables: { sandbox: 'readwrite' },
    sendsTo: ['webhookDelivery'],
    sandboxOnly: true,
    request: { params: SandboxPaymentPath, body: SandboxPayPaymentBody },
    responses: { 200: { description: 'Captured', schema: SandboxPaymentResult }, ...errors(400, 404, 413) },
  },
  storefrontPage: {
    ...http,
    id: 'storefrontPage',
    entry: 'functions/storefront/page.ts',
    description: 'The storefront web page',
    method: 'GET',
    path: '/storefronts/{resellerId}',
    auth: 'public',
    tag: 'Pages',
    summary: 'A storefront’s page, with its offer embedded: order, pay by QRIS (sandbox), receive serials',
    tables: { main: 'read' },
    readsQueueDepth: ['storefrontOrders'],
    request: { params: StorefrontPath },
    responses: { 200: { description: 'HTML page', contentType: 'text/html' }, ...errors(400, 404) },
  },
  listVendors: {
    ...http,
    id: 'listVendors',
    entry: 'functions/regulator/list-vendors.ts',
    description: 'All 26 vendors: quota paid, allocated, on hand, reserved, sold, affixed, refunds, flags',
    method: 'GET',
    path: '/v1/regulator/vendors',
    auth: 'regulator',
    tag: 'Regulator',
    summary: 'One row per vendor, figures equal to the ledger when quiet',
    tables: { main: 'read' },
    request: {},
    responses: { 200: { description: 'The vendors', schema: VendorList }, ...errors(401, 403, 429) },
  },
  vendorLedger: {
    ...http,
    id: 'vendorLedger',
    entry: 'functions/regulator/vendor-ledger.ts',
    description: 'A vendor’s ledger, JSON or CSV (Accept: text/csv)',
    method: 'GET',
    path: '/v1/regulator/vendors/{resellerId}/ledger',
    auth: 'regulator',
    tag: 'Regulator',
    summary: 'A vendor’s stamp movements between from and to, newest first, paginated; CSV on request',
    tables: { main: 'read' },
    request: { params: ResellerIdPath, query: VendorLedgerQuery },
    responses: {
      200: { description: 'A page of entries (JSON), or text/csv', schema: LedgerPage },
      ...errors(400, 401, 403, 404, 429),
    },
  },
  listAlerts: {
    ...http,
    id: 'listAlerts',
    entry: 'functions/regulator/list-alerts.ts',
    description: 'What needs the regulator’s attention, with evidence',
    method: 'GET',
    path: '/v1/regulator/alerts',
    auth: 'regulator',
    tag: 'Regulator',
    summary:
      'Caps hit and multi-storefront NIKs, idle stock, late refunds, dead letters, fee-cap attempts, tax mismatches',
    tables: { main: 'read' },
    inspectsDeadLetters: true,
    request: { query: AlertsQuery },
    responses: {
      200: { description: 'The alerts, newest first', schema: AlertList },
      ...errors(400, 401, 403, 429),
    },
  },
  listAudit: {
    ...http,
    id: 'listAudit',
    entry: 'functions/regulator/list-audit.ts',
    description: 'The regulator’s own actions, as recorded',
    method: 'GET',
    path: '/v1/regulator/audit',
    auth: 'regulator',
    tag: 'Regulator',
    summary: 'The audit log of one day (default today, UTC)',
    tables: { main: 'read' },
    request: { query: AuditQuery },
    responses: { 200: { description: 'Audit records', schema: AuditList }, ...errors(400, 401, 403) },
  },
  salesSeries: {
    ...http,
    id: 'salesSeries',
    entry: 'functions/regulator/sales-series.ts',
    description: 'National sold and on-hand stamps over time, from minute snapshots',
    method: 'GET',
    path: '/v1/regulator/sales',
    auth: 'regulator',
    tag: 'Regulator',
    summary: 'Sales over time (cumulative sold and on hand, one point a minute)',
    tables: { main: 'read' },
    request: { query: SalesQuery },
    responses: { 200: { description: 'The series', schema: SalesSeries }, ...errors(400, 401, 403) },
  },
  publicAvailability: {
    ...http,
    id: 'publicAvailability',
    entry: 'functions/public/availability.ts',
    description: 'Open data: every storefront’s availability and price',
    method: 'GET',
    path: '/v1/public/availability',
    auth: 'public',
    tag: 'Public',
    summary: 'Per reseller: name, availability, unit price, updated-at (cacheable, no personal data)',
    tables: { main: 'read' },
    request: {},
    responses: { 200: { description: 'Availability', schema: PublicAvailability }, ...errors(429) },
  },
  verifyStamp: {
    ...http,
    id: 'verifyStamp',
    entry: 'functions/public/verify-stamp.ts',
    description: 'Anyone checks a serial',
    method: 'GET',
    path: '/v1/stamps/{serial}',
    auth: 'public',
    tag: 'Public',
    summary: 'A stamp’s status (SOLD / AFFIXED), seller, sale and affixing time, document hash',
    tables: { main: 'read' },
    request: { params: SerialPath },
    responses: { 200: { description: 'The stamp', schema: StampStatus }, ...errors(400, 404, 429) },
  },
  affixStamp: {
    ...http,
    id: 'affixStamp',
    entry: 'functions/public/affix-stamp.ts',
    description: 'The buyer binds a stamp to one document',
    method: 'POST',
    path: '/v1/stamps/{serial}/affix',
    auth: 'public',
    tag: 'Public',
    summary: 'Affix a stamp to a document (SHA-256) exactly once; needs the order’s Order-Token',
    tables: { main: 'readwrite' },
    readsSecrets: true,
    request: { params: SerialPath, body: AffixBody },
    responses: {
      200: { description: 'Affixed (or already affixed to this same document)', schema: AffixResult },
      ...errors(400, 404, 409, 413, 429),
    },
  },
  regulatorPage: {
    ...http,
    id: 'regulatorPage',
    entry: 'functions/pages/regulator.ts',
    description: 'The regulator dashboard',
    method: 'GET',
    path: '/regulator',
    auth: 'public',
    tag: 'Pages',
    summary: 'Regulator dashboard (the page is public; its data needs the regulator key)',
    tables: {},
    request: {},
    responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
  },
  homePage: {
    ...http,
    id: 'homePage',
    entry: 'functions/pages/home.ts',
    description: 'The public availability page',
    method: 'GET',
    path: '/',
    auth: 'public',
    tag: 'Pages',
    summary: 'Public page: where e-Meterai can be bought now, and stamp verification',
    tables: {},
    request: {},
    responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
  },
  chartAsset: {
    ...http,
    id: 'chartAsset',
    entry: 'functions/pages/chart-asset.ts',
    description: 'Serves the Chart.js library for the dashboard',
    method: 'GET',
    path: '/assets/chart.umd.min.js',
    auth: 'public',
    tag: 'Pages',
    summary: 'Chart.js (MIT) for the regulator dashboard',
    tables: {},
    request: {},
    responses: { 200: { description: 'JavaScript', contentType: 'text/javascript' } },
  },
  openApiDocument: {
    ...http,
    id: 'openApiDocument',
    entry: 'functions/public/openapi.ts',
    description: 'Serves the OpenAPI document',
    method: 'GET',
    path: '/openapi.json',
    auth: 'public',
    tag: 'Meta',
    summary: 'This API’s OpenAPI 3.1 document',
    tables: {},
    request: {},
    responses: { 200: { description: 'OpenAPI 3.1 document', contentType: 'application/json' } },
  },
} as const satisfies Record<string, RouteDefinition>;

export type RouteId = keyof typeof routes;
export const allRoutes: readonly RouteDefinition[] = Object.values(routes);
