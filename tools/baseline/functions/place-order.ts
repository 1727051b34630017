import { hashNik } from '../../../lib/domain/nik.js';
import { httpHandler } from '../../../lib/http/handler.js';
import { secrets } from '../../../lib/secrets.js';
import { baselineSettings } from '../deps.js';
import { registerIdempotencyContext } from '../idempotency.js';
import { placeBaselineOrder } from '../orders.js';
import { baselineRoutes } from '../routes.js';

/** Baseline (benchmark only): reserve synchronously inside the API handler. */
export const handler = httpHandler(
  baselineRoutes.baselinePlaceOrder,
  async ({ params, body, idempotencyKey }) => {
    const { nikHmacKey } = await secrets();
    return placeBaselineOrder(
      {
        resellerId: params.resellerId,
        idempotencyKey,
        nikHash: hashNik(nikHmacKey, body.nik),
        quantity: body.quantity,
      },
      await baselineSettings(),
    );
  },
).before(registerIdempotencyContext);
