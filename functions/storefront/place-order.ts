import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { versionEtag } from '../../lib/http/headers.js';
import { placeOrder } from '../../lib/usecases/storefront.js';

export const handler = httpHandler(routes.placeOrder, async ({ params, body, idempotencyKey, event }) => {
  const placed = await placeOrder(
    {
      resellerId: params.resellerId,
      nik: body.nik,
      fullName: body.fullName,
      birthDate: body.birthDate,
      ...(body.contact ? { contact: body.contact } : {}),
      quantity: body.quantity,
      idempotencyKey,
      clientId: event.requestContext.identity?.sourceIp ?? 'unknown',
    },
    () => new Date(),
  );
  return {
    statusCode: placed.statusCode,
    body: placed.body,
    headers: {
      etag: versionEtag(placed.version),
      ...(placed.retryAfterSeconds ? { 'retry-after': String(placed.retryAfterSeconds) } : {}),
    },
  };
});
