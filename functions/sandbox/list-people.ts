import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { listSamplePeople } from '../../lib/sandbox/civil-registry-sandbox.js';

export const handler = httpHandler(routes.sandboxListPeople, async ({ query }) => ({
  statusCode: 200,
  body: listSamplePeople(query.offset, query.count),
}));
