import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { storefrontPage } from '../../lib/pages/storefront-page.js';

export const handler = httpHandler(routes.storefrontPage, async ({ params }) => ({
  statusCode: 200,
  rawBody: storefrontPage(params.resellerId),
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'public, max-age=60',
    'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
  },
}));
