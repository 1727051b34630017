import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../lib/api/openapi.js';
import { allRoutes } from '../../lib/api/routes.js';

describe('the committed OpenAPI document', () => {
  it('is the one the zod schemas generate (run `npm run openapi` after changing a route)', () => {
    // Arrange
    const committed = JSON.parse(readFileSync('docs/openapi.json', 'utf8'));

    // Act
    const generated = JSON.parse(JSON.stringify(buildOpenApiDocument({ includeSandbox: true })));

    // Assert
    expect(committed).toEqual(generated);
  });

  it('documents every route with its method', () => {
    const document = buildOpenApiDocument({ includeSandbox: true });
    for (const route of allRoutes) {
      expect(document.paths[route.path], route.path).toHaveProperty(route.method.toLowerCase());
    }
  });

  it('leaves the sandbox out of a production document', () => {
    const document = buildOpenApiDocument({ includeSandbox: false });
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/sandbox'))).toEqual([]);
  });
});
