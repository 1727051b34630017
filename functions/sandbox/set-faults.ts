import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { writeFaults } from '../../lib/sandbox/faults.js';

export const handler = httpHandler(routes.sandboxSetFaults, async ({ body }) => ({
  statusCode: 200,
  body: await writeFaults(body),
}));
