/**
 * Limits enforced at the edge, before a request costs a Lambda or a write: on AWS by the stage's WAF web
 * ACL (a rate-based rule), locally by the local runtime's gateway, both from this one definition.
 *
 * Per client (source IP), the storefront intake: a bot that sends many NIKs from one address is held at
 * the door. Counting it in DynamoDB cost one write per order; WAF counts for free.
 */
/** Storefront orders one client (source IP) may place per window, unless configured otherwise. */
export const DEFAULT_CLIENT_INTAKE_PER_MINUTE = 600;

export const StorefrontIntakeRateRule = {
  name: 'storefront-intake-per-client',
  method: 'POST',
  /** The storefront order route (`POST /v1/storefronts/{resellerId}/orders`) as WAF sees it: the path may carry the stage first. */
  pathRegex: '^(/[^/]+)?/v1/storefronts/[^/]+/orders$',
  /** WAF's evaluation window; the local gateway counts fixed windows of the same length. */
  windowSeconds: 60,
  /** WAF's smallest rate limit. */
  minimumLimit: 10,
  /** What a limited client is told: the error shape of the API, and when to come back. */
  response: {
    statusCode: 429,
    retryAfterSeconds: 60,
    body: JSON.stringify({
      error: { code: 'RATE_LIMITED', message: 'too many orders from this client; retry later' },
    }),
  },
} as const;

/** A fixed-window counter per client, bounded to the clients of the current window (the local gateway's). */
export const fixedWindowLimiter = (limit: number, windowSeconds: number) => {
  let windowStart = 0;
  let counts = new Map<string, number>();
  return {
    /** Counts one request of `client`; undefined when admitted, else the seconds until the window ends. */
    admit(client: string, nowMs: number): number | undefined {
      const start = Math.floor(nowMs / (windowSeconds * 1000)) * windowSeconds * 1000;
      if (start !== windowStart) {
        windowStart = start;
        counts = new Map();
      }
      const count = (counts.get(client) ?? 0) + 1;
      counts.set(client, count);
      if (count <= limit) return undefined;
      return Math.max(1, Math.ceil((start + windowSeconds * 1000 - nowMs) / 1000));
    },
  };
};

/**
 * Each route's share of the stage's request rate (API Gateway method throttling). A share caps a route;
 * it reserves nothing, so the caps of the routes anyone can call leave the rest of the stage's rate to the
 * callers that must always get through: the tax authority's and the gateway's webhooks, the resellers'
 * wholesale API. Routes not named here are capped only by the stage.
 */
export type ThrottleClass = 'intake' | 'buyerReads' | 'publicReads' | 'regulator' | 'sandbox';

export const ROUTE_THROTTLE_SHARES: Readonly<Record<ThrottleClass, number>> = {
  /** Storefront orders and order recovery: the surge itself. */
  intake: 0.5,
  /** A buyer's order, stamping and document-check reads and writes. */
  buyerReads: 0.3,
  /** Pages, assets, availability, the OpenAPI document, stamp verification. */
  publicReads: 0.3,
  regulator: 0.05,
  sandbox: 0.05,
};

/** Which class a route belongs to, by who calls it; undefined for routes only the stage caps. */
export const throttleClassOf = (route: {
  readonly id: string;
  readonly auth: string;
  readonly sandboxOnly: boolean;
  readonly tag?: string;
}): ThrottleClass | undefined => {
  if (route.sandboxOnly) return 'sandbox';
  if (route.auth === 'regulator') return 'regulator';
  if (route.auth !== 'public') return undefined;
  if (route.id === 'placeOrder' || route.id === 'recoverOrders') return 'intake';
  if (route.tag === 'Pages' || route.tag === 'Public' || route.tag === 'Meta') return 'publicReads';
  return 'buyerReads';
};
