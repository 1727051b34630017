import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { regulatorPage } from '../../lib/pages/regulator-page.js';

const html = regulatorPage();

export const handler = httpHandler(routes.regulatorPage, async () => ({
  statusCode: 200,
  rawBody: html,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'public, max-age=60',
    'content-security-policy':
      "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'",
  },
}));
