import { routes } from '../../lib/api/routes.js';
import { NotFoundError } from '../../lib/domain/errors.js';
import { RESELLER_IDS } from '../../lib/domain/resellers.js';
import { httpHandler } from '../../lib/http/handler.js';
import { requestHeader } from '../../lib/http/middleware.js';
import { ledgerCsv, listLedger } from '../../lib/usecases/resellers.js';

export const handler = httpHandler(routes.vendorLedger, async ({ params, query, event }) => {
  if (!RESELLER_IDS.includes(params.resellerId)) throw new NotFoundError('reseller');
  if (/\btext\/csv\b/i.test(requestHeader(event, 'accept') ?? '')) {
    const csv = await ledgerCsv(params.resellerId, query);
    return {
      statusCode: 200,
      rawBody: csv.text,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="ledger-${params.resellerId}.csv"`,
        ...(csv.nextCursor ? { 'x-next-cursor': csv.nextCursor } : {}),
      },
    };
  }
  return { statusCode: 200, body: await listLedger(params.resellerId, query) };
});
