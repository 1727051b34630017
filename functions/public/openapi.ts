import { buildOpenApiDocument } from '../../lib/api/openapi.js';
import { routes } from '../../lib/api/routes.js';
import { config } from '../../lib/config.js';
import { httpHandler } from '../../lib/http/handler.js';

const document = JSON.stringify(buildOpenApiDocument({ includeSandbox: config().stage !== 'production' }));

export const handler = httpHandler(routes.openApiDocument, async () => ({
  statusCode: 200,
  rawBody: document,
  headers: { 'cache-control': 'public, max-age=300' },
}));
