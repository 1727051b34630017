import type { z } from 'zod';
import type { FunctionSpec } from '../infra/functions.js';
import {
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
  QuotaOrderCreated,
  QuotaOrderPath,
  QuotaOrderView,
  ResellerIdPath,
  SandboxBillingPath,
  SandboxFaultsBody,
  SandboxFaultsView,
  SandboxPayBillingBody,
  SandboxPayBillingResult,
  SandboxPaymentPath,
  SandboxPaymentResult,
  SandboxPayPaymentBody,
  StockView,
  StorefrontOrderPath,
  StorefrontOrderView,
  StorefrontPath,
  StorefrontSettingsBody,
  StorefrontSettingsView,
  TaxAuthorityWebhookBody,
  VendorLimitsBody,
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

export interface ResponseSpec {
  readonly description: string;
  readonly schema?: z.ZodType;
  readonly contentType?: string;
}

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
    request: { params: StorefrontPath },
    responses: { 200: { description: 'The offer', schema: OfferView }, ...errors(400, 404, 429) },
  },
  placeOrder: {
    ...http,
    id: 'placeOrder',
    entry: 'functions/storefront/place-order.ts',
    description: 'Accepts an applicant’s order into the queue',
    method: 'POST',
    path: '/v1/storefronts/{resellerId}/orders',
    auth: 'public',
    tag: 'Storefront',
    summary: 'Order stamps (NIK + quantity); answered 202 at once, reserved from the queue',
    tables: { main: 'readwrite' },
    sendsTo: ['storefrontOrders'],
    readsSecrets: true,
    request: { params: StorefrontPath, body: PlaceOrderBody, idempotencyKey: IdempotencyKeyHeader },
    responses: {
      202: {
        description: 'Accepted and queued (or the same answer for a retried Idempotency-Key)',
        schema: OrderAccepted,
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
    summary: 'Order status, QRIS payment, serials, refund (needs the Order-Token header)',
    tables: { main: 'read' },
    readsSecrets: true,
    request: { params: StorefrontOrderPath },
    responses: {
      200: { description: 'The order', schema: StorefrontOrderView },
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
    summary: 'A storefront’s page: order, see the queue, pay by QRIS (sandbox), receive serials',
    tables: { main: 'read' },
    request: { params: StorefrontPath },
    responses: { 200: { description: 'HTML page', contentType: 'text/html' }, ...errors(400, 404) },
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
