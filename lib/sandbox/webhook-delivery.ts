import { z } from 'zod';
import { EnvVar } from '../infra/resources.js';

/** A webhook the sandbox still has to deliver; signed at send time so the timestamp is fresh. */
export const WebhookDeliveryMessage = z.object({
  party: z.enum(['taxAuthority', 'paymentGateway']),
  targetUrl: z.url(),
  body: z.string().min(2),
});
export type WebhookDeliveryMessage = z.infer<typeof WebhookDeliveryMessage>;

export const WEBHOOK_PATHS = {
  taxAuthority: '/v1/webhooks/tax-authority',
  paymentGateway: '/v1/webhooks/payment-gateway',
} as const;

/**
 * The API's public base URL as seen in this request. On API Gateway `requestContext.path` carries the stage
 * prefix that `event.path` lacks; locally both are equal.
 */
export const publicBaseUrl = (event: {
  path: string;
  requestContext: { domainName?: string; path: string };
}): string => {
  const override = process.env[EnvVar.publicBaseUrl];
  if (override) return override.replace(/\/$/, '');
  const domain = event.requestContext.domainName ?? 'localhost';
  const local = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(domain);
  const stagePrefix = event.requestContext.path.endsWith(event.path)
    ? event.requestContext.path.slice(0, event.requestContext.path.length - event.path.length)
    : '';
  return `${local ? 'http' : 'https'}://${domain}${stagePrefix}`;
};
