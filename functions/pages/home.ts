import { documentStore } from '../../lib/adapters/document-store.js';
import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { pageContentPolicy } from '../../lib/pages/content-policy.js';
import { homePage } from '../../lib/pages/home-page.js';

const html = homePage();

export const handler = httpHandler(routes.homePage, async () => ({
  statusCode: 200,
  rawBody: html,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'public, max-age=60',
    'content-security-policy': pageContentPolicy({ documentsOrigin: documentStore.origin() }),
  },
}));
