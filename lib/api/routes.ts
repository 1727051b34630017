import type { z } from 'zod';
import type { FunctionSpec } from '../infra/functions.js';
import {
  AlertList,
  AlertsQuery,
  AuditList,
  AuditQuery,
  CreateQuotaOrderBody,
  CreateStampingBody,
  DocumentCheckCreated,
  DocumentCheckPath,
  DocumentCheckView,
  ErrorBody,
  IdempotencyKeyHeader,
  IssuedResellerKey,
  LedgerPage,
  LedgerQuery,
  OfferView,
  OrderAccepted,
  OrderRecoveryBody,
  OrderRecoveryResult,
  OwnChannelSaleBody,
  OwnChannelSaleResult,
  PaymentGatewayWebhookBody,
  PaymentWebhookAccepted,
  PdfjsAssetPath,
  PlaceOrderBody,
  PublicAvailability,
  QuotaOrderCreated,
  QuotaOrderPath,
  QuotaOrderView,
  ResellerIdPath,
  ResellerKeyList,
  ResellerKeyPath,
  ResellerKeyQuery,
  ResellerKeyView,
  RotatedResellerKeys,
  RotateKeysBody,
  SalesQuery,
  SalesSeries,
  SandboxBillingPath,
  SandboxFaultsBody,
  SandboxFaultsView,
  SandboxOutbox,
  SandboxOutboxQuery,
  SandboxPayBillingBody,
  SandboxPayBillingResult,
  SandboxPaymentPath,
  SandboxPaymentResult,
  SandboxPayPaymentBody,
  SandboxPeopleQuery,
  SandboxPeopleView,
  SandboxPerson,
  SandboxPersonBody,
  SerialPath,
  SettlementPath,
  SettlementView,
  StampingCreated,
  StampingPath,
  StampingView,
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
  VendorsQuery,
  WebhookAccepted,
  WebhookDeliveriesQuery,
  WebhookDeliveryPage,
  WebhookDeliveryView,
  WebhookEndpointBody,
  WebhookEndpointView,
  WebhookEventPath,
  WholesaleOrderPage,
  WholesaleOrderPath,
  WholesaleOrdersQuery,
  WholesaleOrderView,
} from './schemas.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * `reseller` / `regulator`: the API Gateway authorizer runs first (401 without a valid key) and the handler
 * checks the role (403). `webhook`: no authorizer, the handler verifies the HMAC signature. `public`: open.
 */
export type RouteAuth = 'reseller' | 'regulator' | 'webhook' | 'public';

/** Routes of these kinds pass the API-key authorizer first (401 without a valid key), then the role check. */
export const AUTHORIZED_ROUTE_KINDS: ReadonlySet<RouteAuth> = new Set(['reseller', 'regulator']);

/**
 * The one place that decides whether a route needs an API key: the CDK API (authorizer on the method), the
 * local gateway (authorizer before the handler), the handler (role check) and the OpenAPI document
 * (its security scheme) all ask this.
 */
export const needsApiKey = (auth: RouteAuth): auth is 'reseller' | 'regulator' =>
  AUTHORIZED_ROUTE_KINDS.has(auth);

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

const ORDER_ETAG: HeaderSpec = {
  name: 'ETag',
  description:
    'The order’s version (weak entity tag); sent back as `If-None-Match`, a waiting read holds until the order is newer',
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
    415: 'The body is not `application/json`',
    422: 'Well-formed but violates a business rule',
    429: 'Too many requests; retry after the `Retry-After` seconds',
    503: 'A party kuota depends on (the civil registry) cannot answer now; retry after the `Retry-After` seconds',
  };
  return Object.fromEntries(
    codes.map((code) => [code, { description: descriptions[code] ?? 'Error', schema: ErrorBody }]),
  );
};

/**
 * The errors a route answers by its shape, before its use case runs (lib/http/handler.ts): 400 when it
 * validates input, 401 when it checks a key or a signature, 403 when it checks a key's role, 413 and 415
 * when it takes a JSON body, and 429 on every route: when its store stays busy past its retries, or when it
 * runs out of time (`outOfTime`). A route declares only the errors of its own.
 */
const errorsImpliedBy = ({ auth, request }: Pick<RouteDefinition, 'auth' | 'request'>) =>
  errors(
    ...(request.params || request.query || request.body || request.idempotencyKey ? [400] : []),
    ...(auth === 'public' ? [] : [401]),
    ...(needsApiKey(auth) ? [403] : []),
    ...(request.body ? [413, 415] : []),
    429,
  );

/** What every HTTP function has unless its route says otherwise. */
const http = {
  timeoutSeconds: 10,
  memoryMb: 1024,
  secrets: [],
  sandboxOnly: false,
  sendsTo: [],
} as const;

/** A route as written below: what is its own (the `http` defaults it changes, the errors of its own). */
type RouteSpec = Omit<RouteDefinition, keyof typeof http> & Partial<Pick<FunctionSpec, keyof typeof http>>;

/** A whole route: its own fields over the `http` defaults, its answers over the errors its shape implies. */
type Route<R extends RouteSpec> = Omit<typeof http, keyof R> &
  Omit<R, 'responses'> & { readonly responses: Readonly<Record<number, ResponseSpec>> & R['responses'] };

const route = <const R extends RouteSpec>(spec: R): Route<R> => ({
  ...http,
  ...spec,
  responses: { ...errorsImpliedBy(spec), ...spec.responses },
});

/** A reseller's route (`/v1/wholesale/…`), for reseller keys. */
const resellerRoute = <const R extends Omit<RouteSpec, 'auth' | 'tag'>>(spec: R) =>
  route({ ...spec, auth: 'reseller', tag: 'Wholesale' });

/** A reseller reading its own records. */
const resellerRead = <const R extends Omit<RouteSpec, 'auth' | 'tag' | 'method' | 'tables'>>(spec: R) =>
  resellerRoute({ ...spec, method: 'GET', tables: { main: 'read' } });

/** The regulator's route (`/v1/regulator/…`), for the regulator's key. */
const regulatorRoute = <const R extends Omit<RouteSpec, 'auth' | 'tag'>>(spec: R) =>
  route({ ...spec, auth: 'regulator', tag: 'Regulator' });

/** The regulator reading what it oversees. */
const regulatorRead = <const R extends Omit<RouteSpec, 'auth' | 'tag' | 'method' | 'tables'>>(spec: R) =>
  regulatorRoute({ ...spec, method: 'GET', tables: { main: 'read' } });

/** A signed notice from an external party: no key, the handler verifies the body's HMAC signature. */
const webhookRoute = <const R extends Omit<RouteSpec, 'auth' | 'tag' | 'method'>>(spec: R) =>
  route({ ...spec, method: 'POST', auth: 'webhook', tag: 'Webhooks' });

/** A simulated external party (the sandbox): open, and never deployed to production. */
const sandboxRoute = <const R extends Omit<RouteSpec, 'auth' | 'tag' | 'sandboxOnly'>>(spec: R) =>
  route({ ...spec, auth: 'public', tag: 'Sandbox', sandboxOnly: true });

/** A page, or a file a page loads. */
const pageRoute = <const R extends Omit<RouteSpec, 'auth' | 'tag' | 'method'>>(spec: R) =>
  route({ ...spec, method: 'GET', auth: 'public', tag: 'Pages' });

/** A page that is the same for everyone (its data comes from the API): no table, no input. */
const staticPage = <const R extends Pick<RouteSpec, 'id' | 'entry' | 'description' | 'path' | 'summary'>>(
  spec: R,
) =>
  pageRoute({
    ...spec,
    tables: {},
    request: {},
    // 429: API Gateway's method throttle for public reads (lib/infra/edge.ts).
    responses: { 200: { description: 'HTML page', contentType: 'text/html' }, ...errors(429) },
  });

/** A vendor's API keys: the reseller, its keys (both items of each) and the audit record. */
const VENDOR_API_KEY_KEYS = { main: ['RESELLER#', 'API_KEY#', 'AUDIT#'] } as const;

/**
 * The regulator changing a vendor's standing (status, limits): the reseller, its stock shards (suspension
 * is stamped on each) and the audit record.
 */
const vendorStandingChange = <const R extends Omit<RouteSpec, 'auth' | 'tag' | 'tables' | 'keyPrefixes'>>(
  spec: R,
) =>
  regulatorRoute({
    ...spec,
    tables: { main: 'readwrite' },
    keyPrefixes: { main: ['RESELLER#', 'STOCK#', 'AUDIT#'] },
  });

/** The regulator issuing, rotating or revoking a vendor's API keys. */
const vendorKeyChange = <const R extends Omit<RouteSpec, 'auth' | 'tag' | 'tables' | 'keyPrefixes'>>(
  spec: R,
) => regulatorRoute({ ...spec, tables: { main: 'readwrite' }, keyPrefixes: VENDOR_API_KEY_KEYS });

/**
 * Every HTTP route of kuota: method, path, who may call it, the function behind it, and its request and
 * response schemas. API Gateway, the local runtime, the handlers and the OpenAPI document all read this.
 */
export const routes = {
  createQuotaOrder: resellerRoute({
    id: 'createQuotaOrder',
    entry: 'functions/wholesale/create-quota-order.ts',
    description: 'Creates a quota order and its tax billing code',
    method: 'POST',
    path: '/v1/wholesale/quota-orders',
    summary: 'Buy stamp quota: get a billing code to pay the duty to the tax authority',
    tables: { main: 'readwrite', sandbox: 'readwrite' },
    request: { body: CreateQuotaOrderBody, idempotencyKey: IdempotencyKeyHeader },
    responses: {
      201: {
        description: 'Created (or the same answer again for a retried Idempotency-Key)',
        schema: QuotaOrderCreated,
      },
      ...errors(409, 422, 429),
    },
  }),
  getQuotaOrder: resellerRead({
    id: 'getQuotaOrder',
    entry: 'functions/wholesale/get-quota-order.ts',
    description: 'Reads one of the caller’s quota orders',
    path: '/v1/wholesale/quota-orders/{orderId}',
    summary: 'A quota order with its status, NTPN once paid, and allocation progress',
    request: { params: QuotaOrderPath },
    responses: { 200: { description: 'The order', schema: QuotaOrderView }, ...errors(404, 429) },
  }),
  getStock: resellerRead({
    id: 'getStock',
    entry: 'functions/wholesale/get-stock.ts',
    description: 'Reads the caller’s stock summed over its shards',
    path: '/v1/wholesale/stock',
    summary: 'Stock on hand, reserved, sold, allocated in total, and the holding cap',
    request: {},
    responses: { 200: { description: 'The stock', schema: StockView }, ...errors(429) },
  }),
  listLedger: resellerRead({
    id: 'listLedger',
    entry: 'functions/wholesale/list-ledger.ts',
    description: 'Lists the caller’s ledger entries, newest first',
    path: '/v1/wholesale/ledger',
    summary: 'Every stamp movement of the caller (mint, reserve, sell, release, return), paginated',
    request: { query: LedgerQuery },
    responses: { 200: { description: 'A page of entries', schema: LedgerPage }, ...errors(429) },
  }),
  suspendVendor: vendorStandingChange({
    id: 'suspendVendor',
    entry: 'functions/regulator/suspend-vendor.ts',
    description: 'Suspends a reseller: no new quota orders, no storefront sales',
    method: 'POST',
    path: '/v1/regulator/vendors/{resellerId}/suspend',
    summary: 'Suspend a reseller (recorded in the audit log)',
    request: { params: ResellerIdPath },
    responses: {
      200: { description: 'The reseller’s new status', schema: VendorStatusView },
      ...errors(404),
    },
  }),
  resumeVendor: vendorStandingChange({
    id: 'resumeVendor',
    entry: 'functions/regulator/resume-vendor.ts',
    description: 'Lifts a reseller’s suspension',
    method: 'POST',
    path: '/v1/regulator/vendors/{resellerId}/resume',
    summary: 'Resume a suspended reseller (recorded in the audit log)',
    request: { params: ResellerIdPath },
    responses: {
      200: { description: 'The reseller’s new status', schema: VendorStatusView },
      ...errors(404),
    },
  }),
  setVendorLimits: vendorStandingChange({
    id: 'setVendorLimits',
    entry: 'functions/regulator/set-vendor-limits.ts',
    description: 'Sets a reseller’s holding cap and service-fee cap',
    method: 'PUT',
    path: '/v1/regulator/vendors/{resellerId}/limits',
    summary: 'Set holding cap and/or service-fee cap (recorded in the audit log)',
    request: { params: ResellerIdPath, body: VendorLimitsBody },
    responses: {
      200: { description: 'The reseller’s limits now', schema: VendorStatusView },
      ...errors(404),
    },
  }),
  listVendorKeys: regulatorRead({
    id: 'listVendorKeys',
    entry: 'functions/regulator/list-vendor-keys.ts',
    description: 'A reseller’s API keys and their state',
    path: '/v1/regulator/vendors/{resellerId}/keys',
    summary: 'List a reseller’s API keys (never the keys themselves), newest first',
    keyPrefixes: VENDOR_API_KEY_KEYS,
    request: { params: ResellerIdPath, query: ResellerKeyQuery },
    responses: { 200: { description: 'A page of keys', schema: ResellerKeyList }, ...errors(404) },
  }),
  issueVendorKey: vendorKeyChange({
    id: 'issueVendorKey',
    entry: 'functions/regulator/issue-vendor-key.ts',
    description: 'Issues an additional API key to a reseller',
    method: 'POST',
    path: '/v1/regulator/vendors/{resellerId}/keys',
    summary: 'Issue a new key; the reseller’s other keys keep working (recorded in the audit log)',
    request: { params: ResellerIdPath },
    responses: {
      201: { description: 'The new key, shown this once', schema: IssuedResellerKey },
      ...errors(404, 409),
    },
  }),
  rotateVendorKeys: vendorKeyChange({
    id: 'rotateVendorKeys',
    entry: 'functions/regulator/rotate-vendor-keys.ts',
    description: 'Rotates a reseller’s API keys: a new key, and the old ones stop after an overlap',
    method: 'POST',
    path: '/v1/regulator/vendors/{resellerId}/key-rotations',
    summary:
      'Rotate: issue a new key; every other working key stops after `overlapSeconds` (recorded in the audit log)',
    request: { params: ResellerIdPath, body: RotateKeysBody },
    responses: {
      201: {
        description: 'The new key, shown this once, and the replaced keys',
        schema: RotatedResellerKeys,
      },
      ...errors(404, 409),
    },
  }),
  revokeVendorKey: vendorKeyChange({
    id: 'revokeVendorKey',
    entry: 'functions/regulator/revoke-vendor-key.ts',
    description: 'Revokes one of a reseller’s API keys at once',
    method: 'POST',
    path: '/v1/regulator/vendors/{resellerId}/keys/{keyId}/revoke',
    summary: 'Revoke a key: it stops within the authorizer’s cache time, 10 s (recorded in the audit log)',
    request: { params: ResellerKeyPath },
    responses: { 200: { description: 'The key, now revoked', schema: ResellerKeyView }, ...errors(404) },
  }),
  taxAuthorityWebhook: webhookRoute({
    id: 'taxAuthorityWebhook',
    entry: 'functions/webhooks/tax-authority.ts',
    description: 'Receives signed payment notices from the tax authority',
    path: '/v1/webhooks/tax-authority',
    webhookSecret: 'taxAuthority',
    summary: 'Payment notice (billing code paid, NTPN issued); credits the quota order exactly once',
    tables: { main: 'readwrite' },
    sendsTo: ['allocation', 'resellerWebhooks'],
    secrets: ['taxAuthorityWebhookSecret'],
    request: { body: TaxAuthorityWebhookBody },
    responses: {
      200: { description: 'Recorded (also for a repeated notice)', schema: WebhookAccepted },
      ...errors(404, 409, 422, 429),
    },
  }),
  sandboxPayBilling: sandboxRoute({
    id: 'sandboxPayBilling',
    entry: 'functions/sandbox/pay-billing.ts',
    description: 'Sandbox: simulates paying a billing code at a bank',
    method: 'POST',
    path: '/sandbox/tax-authority/billings/{billingCode}/pay',
    summary: 'Pay a billing code (sandbox tax authority); issues an NTPN and sends the signed webhook',
    tables: { sandbox: 'readwrite' },
    sendsTo: ['webhookDelivery'],
    request: { params: SandboxBillingPath, body: SandboxPayBillingBody },
    responses: {
      200: { description: 'Paid', schema: SandboxPayBillingResult },
      ...errors(404, 409, 422),
    },
  }),
  sandboxSetFaults: sandboxRoute({
    id: 'sandboxSetFaults',
    entry: 'functions/sandbox/set-faults.ts',
    description: 'Sandbox: configures webhook faults of the simulated external parties',
    method: 'POST',
    path: '/sandbox/faults',
    summary: 'Configure duplicate, dropped, delayed and reordered webhooks',
    tables: { sandbox: 'readwrite' },
    request: { body: SandboxFaultsBody },
    responses: { 200: { description: 'The faults now in force', schema: SandboxFaultsView } },
  }),
  sandboxListPeople: sandboxRoute({
    id: 'sandboxListPeople',
    entry: 'functions/sandbox/list-people.ts',
    description: 'Sandbox: sample people of the simulated civil registry, to order as',
    method: 'GET',
    path: '/sandbox/civil-registry/people',
    summary: 'Sample people (NIK, name, birth date) of the synthetic population; page with offset',
    tables: {},
    request: { query: SandboxPeopleQuery },
    responses: { 200: { description: 'Sample people', schema: SandboxPeopleView } },
  }),
  sandboxCreatePerson: sandboxRoute({
    id: 'sandboxCreatePerson',
    entry: 'functions/sandbox/create-person.ts',
    description: 'Sandbox: adds (or replaces) a person in the simulated civil registry',
    method: 'POST',
    path: '/sandbox/civil-registry/people',
    summary: 'Create a person of the simulated civil registry (for tests and demos)',
    tables: { sandbox: 'readwrite' },
    request: { body: SandboxPersonBody },
    responses: {
      201: { description: 'The person as the registry now holds them', schema: SandboxPerson },
    },
  }),
  recoverOrders: route({
    id: 'recoverOrders',
    entry: 'functions/storefront/recover-orders.ts',
    description:
      '“Lacak pesanan”: fresh links to a person’s orders of the last 30 days, sent to their contacts',
    method: 'POST',
    path: '/v1/order-recovery',
    auth: 'public',
    tag: 'Storefront',
    summary:
      'Lost an order? Prove who you are (NIK, name, birth date): every order with a contact gets a fresh link there',
    tables: { main: 'read', sandbox: 'readwrite' },
    secrets: ['nikHmacKey', 'orderTokenKey'],
    request: { body: OrderRecoveryBody },
    responses: {
      202: { description: 'Notices sent (how many, never which orders)', schema: OrderRecoveryResult },
      ...errors(429),
      422: { description: 'The civil registry does not know this person', schema: ErrorBody },
      503: { description: 'The civil registry cannot answer now', schema: ErrorBody, headers: [RETRY_AFTER] },
    },
  }),
  sandboxOutbox: sandboxRoute({
    id: 'sandboxOutbox',
    entry: 'functions/sandbox/outbox.ts',
    description: 'Sandbox: the notices (SMS, e-mail) sent to one address',
    method: 'GET',
    path: '/sandbox/notifications',
    summary: 'Read the outbox of one phone number or e-mail address (the simulated notification provider)',
    tables: { sandbox: 'read' },
    request: { query: SandboxOutboxQuery },
    responses: { 200: { description: 'Notices, oldest first', schema: SandboxOutbox } },
  }),
  getOffer: route({
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
    responses: { 200: { description: 'The offer', schema: OfferView }, ...errors(404, 429) },
  }),
  placeOrder: route({
    id: 'placeOrder',
    entry: 'functions/storefront/place-order.ts',
    description: 'Reserves an applicant’s order with its QRIS payment, or queues it when saturated',
    method: 'POST',
    path: '/v1/storefronts/{resellerId}/orders',
    auth: 'public',
    tag: 'Storefront',
    summary:
      'Order stamps (NIK, name and birth date, checked with the civil registry, + quantity): 201 reserved with the QRIS payment, or 202 queued when the reservation path is saturated',
    tables: { main: 'readwrite', sandbox: 'readwrite' },
    sendsTo: ['storefrontOrders', 'storefrontTimers', 'resellerWebhooks'],
    readsQueueDepth: ['storefrontOrders'],
    secrets: ['nikHmacKey', 'orderTokenKey'],
    request: { params: StorefrontPath, body: PlaceOrderBody, idempotencyKey: IdempotencyKeyHeader },
    responses: {
      201: {
        description:
          'Settled at once: RESERVED with the QRIS payment to pay before `reservedUntil`, or REJECTED with its `reason` (sold out, over the national cap; so too while others wait in the queue, as no wait can serve it). A retried Idempotency-Key gets the order as it stands now',
        schema: OrderAccepted,
        headers: [RETRY_AFTER, ORDER_ETAG],
      },
      202: {
        description:
          'Queued: the reservation path is saturated or others are waiting; `queue` gives the position and ETA, Retry-After when to look',
        schema: OrderAccepted,
        headers: [RETRY_AFTER, ORDER_ETAG],
      },
      ...errors(403, 404, 409, 429),
      422: {
        description:
          'The civil registry has no person with this NIK (`NIK_NOT_REGISTERED`), or not with this name and birth date (`IDENTITY_MISMATCH`): nothing reserved',
        schema: ErrorBody,
      },
      503: {
        description:
          'The civil registry says it cannot answer now: nothing reserved; retry after `Retry-After` (a registry that is only slow is answered 429)',
        schema: ErrorBody,
        headers: [RETRY_AFTER],
      },
    },
  }),
  getStorefrontOrder: route({
    id: 'getStorefrontOrder',
    entry: 'functions/storefront/get-order.ts',
    description: 'An applicant reads their order with its Order-Token',
    // A read may hold up to MAX_ORDER_WAIT_SECONDS (20) for the order to move on; API Gateway allows 29 s.
    timeoutSeconds: 25,
    method: 'GET',
    path: '/v1/storefronts/{resellerId}/orders/{orderId}',
    auth: 'public',
    tag: 'Storefront',
    summary:
      'Order status, QRIS payment, serials, refund (needs the Order-Token header; `Prefer: wait=N` holds up to 20 s for a change)',
    // Light: a read, or a read that waits; most of its time is spent waiting.
    memoryMb: 256,
    tables: { main: 'read' },
    // The buyer reads one order item by its id.
    keyPrefixes: { main: ['SORDER#'] },
    secrets: ['orderTokenKey'],
    readsQueueDepth: ['storefrontOrders'],
    request: {
      params: StorefrontOrderPath,
      headers: [
        ORDER_TOKEN,
        {
          name: 'Prefer',
          description:
            '`wait=N` (RFC 7240): hold the read up to N seconds (at most 20) until a queued or reserved order moves on; answered with `Preference-Applied`',
        },
        {
          name: 'If-None-Match',
          description:
            'The `ETag` of the order as last read: a waiting read holds only while the order is still that version (the page waiting for its QR gets it the moment it exists), and is answered 304 if the wait ends with no change',
        },
      ],
    },
    responses: {
      200: { description: 'The order', schema: StorefrontOrderView, headers: [RETRY_AFTER, ORDER_ETAG] },
      304: {
        description: 'Still the version `If-None-Match` named (the wait ended with no change); no body',
        headers: [RETRY_AFTER, ORDER_ETAG],
      },
      ...errors(404, 429),
    },
  }),
  updateStorefront: resellerRoute({
    id: 'updateStorefront',
    entry: 'functions/wholesale/update-storefront.ts',
    description: 'A reseller sets its service fee and opens or closes its storefront',
    method: 'PUT',
    path: '/v1/wholesale/storefront',
    summary: 'Set the storefront’s service fee (at most the regulator’s cap) and open/closed',
    tables: { main: 'readwrite' },
    request: { body: StorefrontSettingsBody },
    responses: {
      200: { description: 'The storefront settings now', schema: StorefrontSettingsView },
      ...errors(422),
    },
  }),
  paymentGatewayWebhook: webhookRoute({
    id: 'paymentGatewayWebhook',
    entry: 'functions/webhooks/payment-gateway.ts',
    description: 'Receives signed capture and refund events from the QRIS payment gateway',
    path: '/v1/webhooks/payment-gateway',
    webhookSecret: 'paymentGateway',
    summary: 'Payment captured (fulfil or refund 100%) / refund completed',
    tables: { main: 'readwrite', sandbox: 'readwrite' },
    sendsTo: ['webhookDelivery', 'resellerWebhooks'],
    secrets: ['paymentGatewayWebhookSecret', 'serialKey', 'orderTokenKey'],
    request: { body: PaymentGatewayWebhookBody },
    responses: {
      200: { description: 'Processed (also for a repeated event)', schema: PaymentWebhookAccepted },
      ...errors(404, 429),
    },
  }),
  sandboxPayPayment: sandboxRoute({
    id: 'sandboxPayPayment',
    entry: 'functions/sandbox/pay-payment.ts',
    description: 'Sandbox: simulates a buyer paying a QRIS payment',
    method: 'POST',
    path: '/sandbox/payment-gateway/payments/{paymentId}/pay',
    summary: 'Pay a QRIS payment (sandbox gateway), on time, late or twice; sends the signed webhook',
    tables: { sandbox: 'readwrite' },
    sendsTo: ['webhookDelivery'],
    request: { params: SandboxPaymentPath, body: SandboxPayPaymentBody },
    responses: { 200: { description: 'Captured', schema: SandboxPaymentResult }, ...errors(404) },
  }),
  storefrontPage: pageRoute({
    id: 'storefrontPage',
    entry: 'functions/storefront/page.ts',
    description: 'The storefront web page',
    path: '/storefronts/{resellerId}',
    summary: 'A storefront’s page, with its offer embedded: order, pay by QRIS (sandbox), receive serials',
    tables: { main: 'read' },
    readsQueueDepth: ['storefrontOrders'],
    request: { params: StorefrontPath },
    responses: { 200: { description: 'HTML page', contentType: 'text/html' }, ...errors(404) },
  }),
  listVendors: regulatorRead({
    id: 'listVendors',
    entry: 'functions/regulator/list-vendors.ts',
    description: 'All 26 vendors: quota paid, allocated, on hand, reserved, sold, affixed, refunds, flags',
    path: '/v1/regulator/vendors',
    summary:
      'One row per vendor, figures equal to the ledger when quiet; pages of at most 50 (`limit`, `cursor`)',
    request: { query: VendorsQuery },
    responses: {
      200: { description: 'A page of vendors, in reseller-id order', schema: VendorList },
      ...errors(429),
    },
  }),
  vendorLedger: regulatorRead({
    id: 'vendorLedger',
    entry: 'functions/regulator/vendor-ledger.ts',
    description: 'A vendor’s ledger, JSON or CSV (Accept: text/csv)',
    path: '/v1/regulator/vendors/{resellerId}/ledger',
    summary: 'A vendor’s stamp movements between from and to, newest first, paginated; CSV on request',
    request: { params: ResellerIdPath, query: VendorLedgerQuery },
    responses: {
      200: { description: 'A page of entries (JSON), or text/csv', schema: LedgerPage },
      ...errors(404, 429),
    },
  }),
  listAlerts: regulatorRead({
    id: 'listAlerts',
    entry: 'functions/regulator/list-alerts.ts',
    description: 'What needs the regulator’s attention, with evidence',
    path: '/v1/regulator/alerts',
    summary:
      'Caps hit and multi-storefront NIKs, idle stock, late refunds, dead letters, fee-cap attempts, tax mismatches; pages of at most 200 (`limit`, `cursor`)',
    inspectsDeadLetters: true,
    request: { query: AlertsQuery },
    responses: {
      200: {
        description:
          'A page of alerts, newest first within the page: live alerts (dead letters, idle stock), then refunds past their SLA, then stored alerts from today back',
        schema: AlertList,
      },
      ...errors(429),
    },
  }),
  listAudit: regulatorRead({
    id: 'listAudit',
    entry: 'functions/regulator/list-audit.ts',
    description: 'The regulator’s own actions, as recorded',
    path: '/v1/regulator/audit',
    summary:
      'The audit log of one day (default today, UTC), newest first; pages of at most 200 (`limit`, `cursor`)',
    request: { query: AuditQuery },
    responses: { 200: { description: 'A page of audit records', schema: AuditList }, ...errors(429) },
  }),
  salesSeries: regulatorRead({
    id: 'salesSeries',
    entry: 'functions/regulator/sales-series.ts',
    description: 'National sold and on-hand stamps over time, from minute snapshots',
    path: '/v1/regulator/sales',
    summary:
      'Sales over time (cumulative sold and on hand, one point a minute, oldest first); pages of at most 1440 points (`limit`, `cursor`)',
    request: { query: SalesQuery },
    responses: { 200: { description: 'A page of the series', schema: SalesSeries }, ...errors(429) },
  }),
  publicAvailability: route({
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
  }),
  verifyStamp: route({
    id: 'verifyStamp',
    entry: 'functions/public/verify-stamp.ts',
    // A serial is checked by decoding it under the serial key before any read.
    secrets: ['serialKey'],
    description: 'Anyone checks a serial',
    method: 'GET',
    path: '/v1/stamps/{serial}',
    auth: 'public',
    tag: 'Public',
    summary: 'A stamp’s status (SOLD / AFFIXED), seller, sale and affixing time, document hash',
    tables: { main: 'read' },
    // The serial names its order: one read of that order item.
    keyPrefixes: { main: ['SORDER#'] },
    request: { params: SerialPath },
    responses: { 200: { description: 'The stamp', schema: StampStatus }, ...errors(404, 429) },
  }),
  createStamping: route({
    id: 'createStamping',
    entry: 'functions/public/create-stamping.ts',
    description: 'The buyer starts stamping one of their stamps onto a PDF',
    method: 'POST',
    path: '/v1/stamps/{serial}/stampings',
    auth: 'public',
    tag: 'Stamping',
    summary:
      'Start a stamping (pembubuhan): where the stamp goes, and a presigned URL to PUT the PDF to (needs the order’s Order-Token)',
    tables: { main: 'readwrite' },
    buckets: { documents: 'readwrite' },
    secrets: ['orderTokenKey', 'serialKey'],
    request: { params: SerialPath, body: CreateStampingBody, headers: [ORDER_TOKEN] },
    responses: {
      201: { description: 'Created; upload the PDF, then submit', schema: StampingCreated },
      ...errors(404, 429),
    },
  }),
  submitStamping: route({
    id: 'submitStamping',
    entry: 'functions/public/submit-stamping.ts',
    description: 'The buyer submits an uploaded document for stamping',
    method: 'POST',
    path: '/v1/stampings/{stampingId}/submit',
    auth: 'public',
    tag: 'Stamping',
    summary: 'Submit the uploaded PDF: the stamping is queued (idempotent; needs the Order-Token)',
    tables: { main: 'readwrite' },
    buckets: { documents: 'read' },
    sendsTo: ['stamping'],
    secrets: ['orderTokenKey', 'serialKey'],
    request: { params: StampingPath, headers: [ORDER_TOKEN] },
    responses: {
      202: { description: 'Queued (or already further along)', schema: StampingView, headers: [RETRY_AFTER] },
      ...errors(404, 409, 429),
    },
  }),
  getStamping: route({
    id: 'getStamping',
    entry: 'functions/public/get-stamping.ts',
    description: 'The buyer follows a stamping and downloads the stamped PDF',
    method: 'GET',
    path: '/v1/stampings/{stampingId}',
    auth: 'public',
    tag: 'Stamping',
    summary:
      'A stamping’s status; once STAMPED, a short-lived download URL of the stamped PDF (needs the Order-Token)',
    memoryMb: 256,
    tables: { main: 'read' },
    buckets: { documents: 'read' },
    sendsTo: ['stamping'],
    secrets: ['orderTokenKey', 'serialKey'],
    request: { params: StampingPath, headers: [ORDER_TOKEN] },
    responses: {
      200: { description: 'The stamping', schema: StampingView, headers: [RETRY_AFTER] },
      ...errors(404, 429),
    },
  }),
  createDocumentCheck: route({
    id: 'createDocumentCheck',
    entry: 'functions/public/create-document-check.ts',
    description: 'Anyone starts checking a stamped PDF',
    method: 'POST',
    path: '/v1/document-checks',
    auth: 'public',
    tag: 'Stamping',
    summary: 'Check a document: a presigned URL to PUT the PDF to, then read the check',
    memoryMb: 256,
    tables: {},
    buckets: { documents: 'readwrite' },
    request: {},
    responses: {
      201: { description: 'Upload the PDF, then read the check', schema: DocumentCheckCreated },
      ...errors(429),
    },
  }),
  getDocumentCheck: route({
    id: 'getDocumentCheck',
    entry: 'functions/public/get-document-check.ts',
    description: 'Anyone reads the check of an uploaded PDF',
    method: 'GET',
    path: '/v1/document-checks/{checkId}',
    auth: 'public',
    tag: 'Stamping',
    summary:
      'Every e-Meterai in the document: serial, status, stamping time, signature, integrity, certificate chain, and whether the serial is bound to this document',
    tables: { main: 'read' },
    buckets: { documents: 'read' },
    secrets: ['serialKey', 'signingCertificateChain'],
    request: { params: DocumentCheckPath },
    responses: {
      200: { description: 'The check (AWAITING_UPLOAD until the PDF is there)', schema: DocumentCheckView },
      ...errors(429),
    },
  }),
  regulatorPage: staticPage({
    id: 'regulatorPage',
    entry: 'functions/pages/regulator.ts',
    description: 'The regulator dashboard',
    path: '/regulator',
    summary: 'Regulator dashboard (the page is public; its data needs the regulator key)',
  }),
  homePage: staticPage({
    id: 'homePage',
    entry: 'functions/pages/home.ts',
    description: 'The public availability page',
    path: '/',
    summary: 'Public page: where e-Meterai can be bought now, and stamp verification',
  }),
  chartAsset: pageRoute({
    id: 'chartAsset',
    entry: 'functions/pages/chart-asset.ts',
    description: 'Serves the Chart.js library for the dashboard',
    path: '/assets/chart.umd.min.js',
    summary: 'Chart.js (MIT) for the regulator dashboard',
    tables: {},
    nodeModules: ['chart.js'],
    request: {},
    responses: { 200: { description: 'JavaScript', contentType: 'text/javascript' }, ...errors(429) },
  }),
  pdfjsAsset: pageRoute({
    id: 'pdfjsAsset',
    entry: 'functions/pages/pdfjs-asset.ts',
    description: 'Serves PDF.js for the storefront page’s stamping preview',
    path: '/assets/pdfjs/{file}',
    summary: 'PDF.js (Apache-2.0), which renders the page preview where the buyer places a stamp',
    tables: {},
    nodeModules: ['pdfjs-dist'],
    request: { params: PdfjsAssetPath },
    responses: { 200: { description: 'JavaScript module', contentType: 'text/javascript' } },
  }),
  openApiDocument: route({
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
    responses: {
      200: { description: 'OpenAPI 3.1 document', contentType: 'application/json' },
      ...errors(429),
    },
  }),
  createSale: resellerRoute({
    id: 'createSale',
    entry: 'functions/wholesale/create-sale.ts',
    description:
      'A reseller’s own channel (counter, own app) sells stamps to an applicant, paid to the reseller',
    method: 'POST',
    path: '/v1/wholesale/sales',
    summary:
      'Sell at the counter: the applicant’s identity (checked with the civil registry), quantity and the price charged → the stamps at once, from the same stock and national cap as the storefront',
    tables: { main: 'readwrite', sandbox: 'read' },
    secrets: ['nikHmacKey', 'orderTokenKey', 'serialKey'],
    sendsTo: ['resellerWebhooks'],
    request: { body: OwnChannelSaleBody, idempotencyKey: IdempotencyKeyHeader },
    responses: {
      201: {
        description:
          'Sold: the serials, and the order token that affixes them (a retried Idempotency-Key gets the same answer)',
        schema: OwnChannelSaleResult,
      },
      ...errors(409),
      429: {
        description:
          'Too many sales for this NIK this minute (as at a storefront), or the store is busy: nothing sold; retry after `Retry-After`',
        schema: ErrorBody,
        headers: [RETRY_AFTER],
      },
      403: {
        description: 'Not allowed: a regulator key, or the reseller is suspended (`RESELLER_SUSPENDED`)',
        schema: ErrorBody,
      },
      422: {
        description:
          'Nothing sold: the price is above face value + fee cap (`FEE_CAP_EXCEEDED`), the stock is short or the applicant is at the national cap (`SALE_REFUSED` with `reason` SOLD_OUT / BUYER_CAP_EXCEEDED; a retry with the same key gets the same answer), or the civil registry does not confirm the applicant (`IDENTITY_NOT_VERIFIED`)',
        schema: ErrorBody,
      },
      503: {
        description: 'The civil registry cannot answer now: nothing sold; retry after `Retry-After`',
        schema: ErrorBody,
        headers: [RETRY_AFTER],
      },
    },
  }),
  listWholesaleOrders: resellerRead({
    id: 'listWholesaleOrders',
    entry: 'functions/wholesale/list-orders.ts',
    description: 'Lists the caller’s orders (storefront and own channel), newest first',
    path: '/v1/wholesale/orders',
    summary:
      'The caller’s storefront and own-channel orders, newest first, by status and creation time, paginated (buyers as a pseudonymous reference only)',
    request: { query: WholesaleOrdersQuery },
    responses: { 200: { description: 'A page of orders', schema: WholesaleOrderPage }, ...errors(429) },
  }),
  getWholesaleOrder: resellerRead({
    id: 'getWholesaleOrder',
    entry: 'functions/wholesale/get-order.ts',
    description: 'Reads one of the caller’s orders',
    path: '/v1/wholesale/orders/{orderId}',
    summary: 'One of the caller’s orders (404 for another reseller’s)',
    request: { params: WholesaleOrderPath },
    responses: { 200: { description: 'The order', schema: WholesaleOrderView }, ...errors(404, 429) },
  }),
  getSettlement: resellerRead({
    id: 'getSettlement',
    entry: 'functions/wholesale/get-settlement.ts',
    description: 'The caller’s settlement of one Asia/Jakarta day, JSON or CSV (Accept: text/csv)',
    path: '/v1/wholesale/settlements/{date}',
    summary:
      'One day (Asia/Jakarta): stamps sold by channel, gross, service fees, confirmed refunds, net and quota paid; from the ledger',
    request: { params: SettlementPath },
    responses: {
      200: { description: 'The settlement (JSON), or text/csv', schema: SettlementView },
      ...errors(429),
    },
  }),
  putWebhookEndpoint: resellerRoute({
    id: 'putWebhookEndpoint',
    entry: 'functions/wholesale/put-webhook-endpoint.ts',
    description: 'Sets where kuota sends the caller’s events, which ones, and rotates the signing secret',
    method: 'PUT',
    path: '/v1/wholesale/webhook-endpoints',
    summary:
      'Register the endpoint for signed events (order.reserved, order.fulfilled, order.refunded, stock.low, quota_order.paid, quota_order.allocated, stamping.completed); the secret is shown once; rotation keeps the old one valid 24 h',
    tables: { main: 'readwrite' },
    request: { body: WebhookEndpointBody },
    responses: {
      200: { description: 'The endpoint now (with `secret` when one was made)', schema: WebhookEndpointView },
      ...errors(409, 429),
    },
  }),
  listWebhookDeliveries: resellerRead({
    id: 'listWebhookDeliveries',
    entry: 'functions/wholesale/list-webhook-deliveries.ts',
    description: 'The caller’s webhook events with their delivery state and attempts, newest first',
    path: '/v1/wholesale/webhook-deliveries',
    summary:
      'Delivery log: each event, its status (PENDING, FAILING, DELIVERED, DEAD_LETTERED, CANCELLED) and attempts',
    request: { query: WebhookDeliveriesQuery },
    responses: {
      200: { description: 'A page of deliveries', schema: WebhookDeliveryPage },
      ...errors(429),
    },
  }),
  retryWebhookEvent: resellerRoute({
    id: 'retryWebhookEvent',
    entry: 'functions/wholesale/retry-webhook-event.ts',
    description: 'Delivers one of the caller’s events again now, with a fresh 24 h of retries',
    method: 'POST',
    path: '/v1/wholesale/webhook-deliveries/{eventId}/retry',
    summary:
      'Manual retry of an event (dead-lettered, failing, or delivered: receivers dedupe on the event id)',
    tables: { main: 'readwrite' },
    sendsTo: ['resellerWebhooks'],
    request: { params: WebhookEventPath },
    responses: {
      202: { description: 'Queued for delivery now', schema: WebhookDeliveryView },
      ...errors(404, 409, 429),
    },
  }),
} as const satisfies Record<string, RouteDefinition>;

export type RouteId = keyof typeof routes;
export const allRoutes: readonly RouteDefinition[] = Object.values(routes);
