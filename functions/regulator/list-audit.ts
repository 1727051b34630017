import { withStoreRetries } from '../../lib/adapters/dynamo-errors.js';
import { mainStore } from '../../lib/adapters/main-store.js';
import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';

export const handler = httpHandler(routes.listAudit, async ({ query }) => {
  const day = query.day ?? new Date().toISOString().slice(0, 10);
  return { statusCode: 200, body: { records: await withStoreRetries(() => mainStore.listAuditOfDay(day)) } };
});
