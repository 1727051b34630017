import { documentStore } from '../../lib/adapters/document-store.js';
import { routes } from '../../lib/api/routes.js';
import { DomainError } from '../../lib/domain/errors.js';
import { httpHandler } from '../../lib/http/handler.js';
import { pageContentPolicy } from '../../lib/pages/content-policy.js';
import { storefrontPage } from '../../lib/pages/storefront-page.js';
import { getOffer } from '../../lib/usecases/storefront.js';

/** The page carries its offer, so it needs no request of its own to show the price and availability. */
export const handler = httpHandler(routes.storefrontPage, async ({ params }) => {
  const offer = await getOffer(params.resellerId).catch((error: unknown) => {
    // An unknown storefront still gets its page, which says so.
    if (error instanceof DomainError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  });
  return {
    statusCode: 200,
    rawBody: storefrontPage(params.resellerId, offer),
    headers: {
      'content-type': 'text/html; charset=utf-8',
      // Short: the embedded availability is a few seconds old at most.
      'cache-control': 'public, max-age=5',
      'content-security-policy': pageContentPolicy({ documentsOrigin: documentStore.origin() }),
    },
  };
});
