import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { createSandboxPerson } from '../../lib/sandbox/civil-registry-sandbox.js';

export const handler = httpHandler(routes.sandboxCreatePerson, async ({ body }) => ({
  statusCode: 201,
  body: await createSandboxPerson(body),
}));
