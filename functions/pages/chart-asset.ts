import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';

// Read once per cold start; CDK bundles chart.js as a node module of this function.
// (chart.js's export map hides dist/, so resolve the package's entry and look beside it.)
const source = readFileSync(
  join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'),
  'utf8',
);

export const handler = httpHandler(routes.chartAsset, async () => ({
  statusCode: 200,
  rawBody: source,
  headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' },
}));
