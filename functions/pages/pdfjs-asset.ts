import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';

// Read once per cold start from the installed package (CDK installs pdfjs-dist beside this function).
const build = join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'build');
const files = {
  'pdf.min.mjs': readFileSync(join(build, 'pdf.min.mjs'), 'utf8'),
  'pdf.worker.min.mjs': readFileSync(join(build, 'pdf.worker.min.mjs'), 'utf8'),
} as const;

export const handler = httpHandler(routes.pdfjsAsset, async ({ params }) => ({
  statusCode: 200,
  rawBody: files[params.file],
  headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' },
}));
