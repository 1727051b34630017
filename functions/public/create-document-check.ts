import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { createDocumentCheck } from '../../lib/usecases/stamping.js';

export const handler = httpHandler(routes.createDocumentCheck, async () => ({
  statusCode: 201,
  body: await createDocumentCheck(new Date()),
}));
