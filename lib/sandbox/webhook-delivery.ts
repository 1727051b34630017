import { z } from 'zod';

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
