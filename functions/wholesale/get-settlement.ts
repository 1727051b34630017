import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { requestHeader } from '../../lib/http/middleware.js';
import { settlementCsv, settlementOf } from '../../lib/usecases/reseller-orders.js';

export const handler = httpHandler(routes.getSettlement, async ({ principal, params, event }) => {
  const settlement = await settlementOf(principal.resellerId, params.date);
  if (/\btext\/csv\b/i.test(requestHeader(event, 'accept') ?? '')) {
    return {
      statusCode: 200,
      rawBody: settlementCsv(settlement),
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="settlement-${principal.resellerId}-${params.date}.csv"`,
      },
    };
  }
  return { statusCode: 200, body: settlement };
});
