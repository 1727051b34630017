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

  it('declares every way an operation is authorised as a security scheme, and each operation names its own', () => {
    // Arrange
    const document = buildOpenApiDocument({ includeSandbox: true }) as {
      components: { securitySchemes: Record<string, { type: string; name?: string }> };
      paths: Record<
        string,
        Record<string, { security: Record<string, string[]>[]; parameters?: { name: string }[] }>
      >;
    };
    const operation = (id: string) => {
      const route = allRoutes.find((candidate) => candidate.id === id);
      if (!route) throw new Error(id);
      return document.paths[route.path]?.[route.method.toLowerCase()];
    };

    // Act
    const schemes = document.components.securitySchemes;

    // Assert
    expect(Object.keys(schemes).sort()).toEqual([
      'orderToken',
      'regulatorKey',
      'resellerKey',
      'webhookSignature',
    ]);
    expect(schemes.orderToken).toMatchObject({ type: 'apiKey', name: 'Order-Token' });
    expect(schemes.webhookSignature).toMatchObject({ type: 'apiKey', name: 'Kuota-Signature' });
    expect(operation('getStorefrontOrder')?.security).toEqual([{ orderToken: [] }]);
    expect(operation('createStamping')?.security).toEqual([{ orderToken: [] }]);
    expect(operation('paymentGatewayWebhook')?.security).toEqual([{ webhookSignature: [] }]);
    expect(operation('createQuotaOrder')?.security).toEqual([{ resellerKey: [] }]);
    expect(operation('verifyStamp')?.security).toEqual([]);
    // A credential is a security requirement, not also a parameter.
    for (const id of ['getStorefrontOrder', 'paymentGatewayWebhook'])
      expect(operation(id)?.parameters?.map((parameter) => parameter.name) ?? []).not.toContain(
        id === 'getStorefrontOrder' ? 'Order-Token' : 'Kuota-Signature',
      );
  });
});
