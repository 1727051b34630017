import { routes } from '../../lib/api/routes.js';
import { httpHandler, retryAfterHeader } from '../../lib/http/handler.js';
import { readDocumentCheck } from '../../lib/usecases/stamping.js';

export const handler = httpHandler(routes.getDocumentCheck, async ({ params }) => {
  const check = await readDocumentCheck(params.checkId, new Date());
  return {
    statusCode: 200,
    body: check,
    headers: retryAfterHeader(check.status === 'AWAITING_UPLOAD' ? 2 : undefined),
  };
});
