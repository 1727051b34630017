import type { RouteDefinition } from '../../lib/api/routes.js';
import {
  ErrorBody,
  IdempotencyKeyHeader,
  PaymentGatewayWebhookBody,
  PlaceOrderBody,
  StorefrontOrderPath,
  StorefrontPath,
} from '../../lib/api/schemas.js';

/**
 * The baseline's routes. Not part of kuota's API (lib/api/routes.ts): the CDK stack and the local runtime
 * never see them. Only the benchmark and the baseline's tests mount them, on the baseline's own local
 * server (tools/baseline/runtime.ts), with the same paths as kuota's so the same client drives both.
 */
const http = {
  timeoutSeconds: 10,
  memoryMb: 1024,
  secrets: ['nikHmacKey', 'serialKey', 'paymentGatewayWebhookSecret'],
  sandboxOnly: false,
  sendsTo: [],
  tables: {},
  tag: 'Baseline',
} as const;

const error = { description: 'Error', schema: ErrorBody };

export const baselineRoutes = {
  baselinePlaceOrder: {
    ...http,
    id: 'baselinePlaceOrder',
    entry: 'tools/baseline/functions/place-order.ts',
    description: 'Baseline: reserves synchronously on the reseller’s stock counter',
    method: 'POST',
    path: '/v1/storefronts/{resellerId}/orders',
    auth: 'public',
    summary: 'Order stamps; answered 201 with the reservation, or 409 at once',
    request: { params: StorefrontPath, body: PlaceOrderBody, idempotencyKey: IdempotencyKeyHeader },
    responses: { 201: { description: 'Reserved' }, 400: error, 403: error, 404: error, 409: error },
  },
  baselineGetOrder: {
    ...http,
    id: 'baselineGetOrder',
    entry: 'tools/baseline/functions/get-order.ts',
    description: 'Baseline: reads an order',
    method: 'GET',
    path: '/v1/storefronts/{resellerId}/orders/{orderId}',
    auth: 'public',
    summary: 'Order status',
    request: { params: StorefrontOrderPath },
    responses: { 200: { description: 'The order' }, 404: error },
  },
  baselinePaymentWebhook: {
    ...http,
    id: 'baselinePaymentWebhook',
    entry: 'tools/baseline/functions/payment-webhook.ts',
    description: 'Baseline: fulfils synchronously on a signed capture event',
    method: 'POST',
    path: '/v1/webhooks/payment-gateway',
    auth: 'webhook',
    webhookSecret: 'paymentGateway',
    summary: 'Payment captured → order FULFILLED, stock reserved → sold',
    request: { body: PaymentGatewayWebhookBody },
    responses: { 200: { description: 'Processed' }, 401: error, 404: error },
  },
} as const satisfies Record<string, RouteDefinition>;

export type BaselineRouteId = keyof typeof baselineRoutes;
export const allBaselineRoutes: readonly RouteDefinition[] = Object.values(baselineRoutes);
