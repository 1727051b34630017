import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { readOutbox } from '../../lib/sandbox/notifications-sandbox.js';

export const handler = httpHandler(routes.sandboxOutbox, async ({ query }) => ({
  statusCode: 200,
  body: await readOutbox(query.to),
}));
