import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { publicAvailability } from '../../lib/usecases/oversight.js';

export const handler = httpHandler(routes.publicAvailability, async () => ({
  statusCode: 200,
  body: await publicAvailability(new Date()),
  headers: { 'cache-control': 'public, max-age=30', 'access-control-allow-origin': '*' },
}));
