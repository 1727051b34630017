import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { sellOwnChannel } from '../../lib/usecases/own-channel.js';

export const handler = httpHandler(routes.createSale, async ({ body, principal, idempotencyKey }) => ({
  statusCode: 201,
  body: await sellOwnChannel(
    {
      resellerId: principal.resellerId,
      nik: body.nik,
      fullName: body.fullName,
      birthDate: body.birthDate,
      quantity: body.quantity,
      unitPriceIdr: body.unitPriceIdr,
      idempotencyKey,
    },
    () => new Date(),
  ),
}));
