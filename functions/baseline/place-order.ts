import { baselineSettings } from '../../lib/baseline/deps.js';
import { registerIdempotencyContext } from '../../lib/baseline/idempotency.js';
import { placeBaselineOrder } from '../../lib/baseline/orders.js';
import { baselineRoutes } from '../../lib/baseline/routes.js';
import { hashNik } from '../../lib/domain/nik.js';
import { httpHandler } from '../../lib/http/handler.js';
import { secrets } from '../../lib/secrets.js';

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
