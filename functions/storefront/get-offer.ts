import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { getOffer } from '../../lib/usecases/storefront.js';

export const handler = httpHandler(routes.getOffer, async ({ params }) => ({
  statusCode: 200,
  body: await getOffer(params.resellerId),
  // Cacheable for a moment: a surge of page loads must not become a surge of stock reads.
  headers: { 'cache-control': 'public, max-age=2' },
}));
