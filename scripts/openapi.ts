import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../lib/api/openapi.js';

/** Writes docs/openapi.json from the zod schemas; a test fails when the committed copy is stale. */
const document = buildOpenApiDocument({ includeSandbox: true });
writeFileSync('docs/openapi.json', `${JSON.stringify(document, null, 2)}\n`);
console.log(`docs/openapi.json: ${Object.keys(document.paths).length} paths`);
