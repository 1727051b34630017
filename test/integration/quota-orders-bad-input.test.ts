import { describe, expect, it } from 'vitest';
import { allRoutes, routes } from '../../lib/api/routes.js';
import { useTestCloud } from '../support/cloud.js';
import {
  type ErrorResponseBody,
  mustCreateOrder,
  quotaOrderItems,
  resellerAt,
  scanTable,
} from './quota-orders-support.js';

/** Bad input: every refusal is a 4xx with a precise error body, and nothing is half-written. */
const kuota = useTestCloud();

let keyCounter = 0;
const postOrder = (options: { rawBody: string; contentType?: string; apiKey?: string }) => {
  keyCounter += 1;
  return kuota.api.post<ErrorResponseBody>('/v1/wholesale/quota-orders', {
    apiKey: options.apiKey ?? resellerAt(kuota, 0).apiKey,
    headers: {
      'idempotency-key': `bad-input-${keyCounter}`,
      ...(options.contentType === undefined ? {} : { 'content-type': options.contentType }),
    },
    rawBody: options.rawBody,
  });
};
const json = (value: unknown) => ({ rawBody: JSON.stringify(value), contentType: 'application/json' });

const pathsOf = (body: ErrorResponseBody) => (body.error.issues ?? []).map((issue) => issue.path);

describe('invalid quota-order bodies', () => {
  it.each([
    ['quantity 0', { quantity: 0 }, 'body.quantity'],
    ['quantity -1', { quantity: -1 }, 'body.quantity'],
    ['quantity 1.5', { quantity: 1.5 }, 'body.quantity'],
    ['quantity "1" (a string)', { quantity: '1' }, 'body.quantity'],
    ['quantity 10^9', { quantity: 1_000_000_000 }, 'body.quantity'],
    ['quantity true', { quantity: true }, 'body.quantity'],
    ['quantity null', { quantity: null }, 'body.quantity'],
    ['quantity missing', {}, 'body.quantity'],
    ['an unknown field', { quantity: 1, discount: 50 }, 'body.discount'],
    ['a null body', null, 'body'],
    ['an array body', [{ quantity: 1 }], 'body'],
    ['a string body', 'quantity=1', 'body'],
  ])('answers 400 VALIDATION_FAILED naming the field for %s', async (_name, value, path) => {
    // Arrange
    const request = json(value);

    // Act
    const response = await postOrder(request);

    // Assert
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.message).toEqual(expect.any(String));
    expect(pathsOf(response.body)).toContain(path);
    for (const issue of response.body.error.issues ?? []) expect(issue.message.length).toBeGreaterThan(0);
  });

  it.each([
    ['truncated JSON', '{"quantity": 1'],
    ['single quotes', "{'quantity': 1}"],
    ['a trailing comma', '{"quantity": 1,}'],
  ])('answers 400 MALFORMED_JSON for %s', async (_name, rawBody) => {
    // Arrange
    const request = { rawBody, contentType: 'application/json' };

    // Act
    const response = await postOrder(request);

    // Assert
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('MALFORMED_JSON');
  });

  it('answers 400 for an empty body', async () => {
    // Arrange
    const request = { rawBody: '', contentType: 'application/json' };

    // Act
    const response = await postOrder(request);

    // Assert
    expect(response.status).toBe(400);
    expect(pathsOf(response.body)).toContain('body');
  });

  it('answers 413 for a body over 16 KiB, before parsing it', async () => {
    // Arrange
    const request = json({ quantity: 1, padding: 'x'.repeat(16 * 1024) });

    // Act
    const response = await postOrder(request);

    // Assert
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('accepts a body of exactly 16 KiB (the limit is inclusive) and validates it', async () => {
    // Arrange
    const prefix = '{"quantity":1}';
    const request = {
      rawBody: prefix + ' '.repeat(16 * 1024 - prefix.length),
      contentType: 'application/json',
    };

    // Act
    const response = await postOrder(request);

    // Assert
    expect(response.status).toBe(201);
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['text/json']])(
    'answers 415 for content-type %s',
    async (contentType) => {
      // Arrange
      const request = { rawBody: '{"quantity":1}', contentType };

      // Act
      const response = await postOrder(request);

      // Assert
      expect(response.status).toBe(415);
      expect(response.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it('accepts application/json with a charset', async () => {
    // Arrange
    const request = { rawBody: '{"quantity":1}', contentType: 'application/json; charset=utf-8' };

    // Act
    const response = await postOrder(request);

    // Assert
    expect(response.status).toBe(201);
  });
});

describe('routes and paths', () => {
  it.each([
    ['GET', '/v1/nothing-here'],
    ['GET', '/v1'],
    ['POST', '/v1/wholesale'],
    ['GET', '/v1/wholesale/quota-orders/QO_00000000000000000000000000/extra'],
  ])('answers 404 for the unknown route %s %s', async (method, path) => {
    // Arrange
    const apiKey = resellerAt(kuota, 0).apiKey;

    // Act
    const response = await kuota.api.call<ErrorResponseBody>(method, path, { apiKey });

    // Assert
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });

  it.each([
    ['GET', '/v1/wholesale/quota-orders', 'POST'],
    ['DELETE', '/v1/wholesale/quota-orders', 'POST'],
    ['PUT', '/v1/wholesale/quota-orders/QO_00000000000000000000000000', 'GET'],
    ['GET', '/v1/webhooks/tax-authority', 'POST'],
    ['POST', '/openapi.json', 'GET'],
  ])('answers 405 with an Allow header for %s %s', async (method, path, allow) => {
    // Arrange
    const apiKey = resellerAt(kuota, 0).apiKey;

    // Act
    const response = await kuota.api.call<ErrorResponseBody>(method, path, { apiKey });

    // Assert
    expect(response.status).toBe(405);
    expect(response.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(response.headers.get('allow')).toBe(allow);
  });

  it.each([
    ['not an id at all', 'hello'],
    ['the wrong prefix', 'XX_00000000000000000000000000'],
    ['lower case', 'qo_00000000000000000000000000'],
    ['too short', 'QO_000'],
    ['a bad percent escape', 'QO_%E0%A4%A'],
  ])('answers 400 naming path.orderId for an order id that is %s', async (_name, orderId) => {
    // Arrange
    const apiKey = resellerAt(kuota, 0).apiKey;

    // Act
    const response = await kuota.api.get<ErrorResponseBody>(`/v1/wholesale/quota-orders/${orderId}`, {
      apiKey,
    });

    // Assert
    expect(response.status).toBe(400);
    expect(pathsOf(response.body)).toContain('path.orderId');
  });

  it('answers 404 for a well-formed order id that does not exist', async () => {
    // Arrange
    const apiKey = resellerAt(kuota, 0).apiKey;

    // Act
    const response = await kuota.api.get<ErrorResponseBody>(
      '/v1/wholesale/quota-orders/QO_ZZZZZZZZZZZZZZZZZZZZZZZZZZ',
      { apiKey },
    );

    // Assert
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });

  it('decodes percent-encoded path parameters before validating them', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 1);
    const order = await mustCreateOrder(kuota, reseller, 1, 'decode-0001');

    // Act
    const response = await kuota.api.get(`/v1/wholesale/quota-orders/${order.id.replace('_', '%5F')}`, {
      apiKey: reseller.apiKey,
    });

    // Assert
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(order.id);
  });

  it('answers 400 naming path.billingCode for a malformed billing code in the sandbox', async () => {
    // Arrange
    const path = '/sandbox/tax-authority/billings/12345/pay';

    // Act
    const response = await kuota.api.post<ErrorResponseBody>(path, { body: { amountIdr: 10_000 } });

    // Assert
    expect(response.status).toBe(400);
    expect(pathsOf(response.body)).toContain('path.billingCode');
  });

  it('answers 400 naming each bad field of the sandbox fault settings', async () => {
    // Arrange
    const body = { taxAuthority: { duplicateRate: 2, dropRate: -0.1, delayMs: 1.5 } };

    // Act
    const response = await kuota.api.post<ErrorResponseBody>('/sandbox/faults', { body });

    // Assert
    expect(response.status).toBe(400);
    expect(pathsOf(response.body)).toEqual(
      expect.arrayContaining([
        'body.taxAuthority.duplicateRate',
        'body.taxAuthority.dropRate',
        'body.taxAuthority.delayMs',
      ]),
    );
  });
});

describe('nothing is half-written', () => {
  it('leaves the tables exactly as they were after a barrage of bad requests', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 2);
    const mainBefore = await scanTable(kuota, 'main');
    const sandboxBefore = await scanTable(kuota, 'sandbox');
    const ordersBefore = mainBefore.filter((item) => item.entity === 'QuotaOrder').length;
    const bad = [
      json({ quantity: 0 }),
      json({ quantity: -1 }),
      json({ quantity: 1.5 }),
      json({ quantity: '1' }),
      json({ quantity: 1e9 }),
      json({}),
      json({ quantity: 1, unknown: 1 }),
      json(null),
      json([1]),
      { rawBody: '{"quantity":', contentType: 'application/json' },
      json({ quantity: 1, padding: 'x'.repeat(17 * 1024) }),
      { rawBody: '{"quantity":1}', contentType: 'text/plain' },
    ];

    // Act
    const responses = [];
    for (const request of bad) responses.push(await postOrder({ ...request, apiKey: reseller.apiKey }));
    responses.push(
      await kuota.api.post<ErrorResponseBody>('/v1/wholesale/quota-orders', {
        apiKey: reseller.apiKey,
        body: { quantity: 1 },
      }),
    );

    // Assert
    for (const response of responses) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    expect(await quotaOrderItems(kuota)).toHaveLength(ordersBefore);
    expect(await scanTable(kuota, 'main')).toHaveLength(mainBefore.length);
    expect(await scanTable(kuota, 'sandbox')).toHaveLength(sandboxBefore.length);
  });
});

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1.0 and documents every route with its method', async () => {
    // Arrange
    const expected = allRoutes.map((route) => `${route.method} ${route.path}`);

    // Act
    const response = await kuota.api.get<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      '/openapi.json',
    );

    // Assert
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body.openapi).toBe('3.1.0');
    const documented = Object.entries(response.body.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(expected.sort());
  });

  it('contains only references that resolve inside the document', async () => {
    // Arrange
    const refs: string[] = [];

    // Act
    const response = await kuota.api.get('/openapi.json');
    JSON.parse(response.text, (key, value) => {
      if (key === '$ref') refs.push(String(value));
      return value;
    });

    // Assert
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\//);
      expect(resolveRef(response.body, { $ref: ref }), ref).toEqual(expect.any(Object));
    }
  });

  it('requires an integer quantity of at least 1 in the createQuotaOrder body', async () => {
    // Arrange
    const route = routes.createQuotaOrder;

    // Act
    const response = await kuota.api.get<{
      paths: Record<
        string,
        Record<string, { operationId: string; requestBody?: unknown; parameters?: unknown[] }>
      >;
      components?: { schemas?: Record<string, unknown> };
    }>('/openapi.json');

    // Assert
    const operation = response.body.paths[route.path]?.[route.method.toLowerCase()];
    expect(operation?.operationId).toBe(route.id);
    const schema = resolveRef(
      response.body,
      (operation?.requestBody as { content: Record<string, { schema: unknown }> } | undefined)?.content[
        'application/json'
      ]?.schema,
    ) as { required?: string[]; properties?: Record<string, { type?: string; minimum?: number }> };
    expect(schema.required).toContain('quantity');
    expect(schema.properties?.quantity?.type).toBe('integer');
    expect(schema.properties?.quantity?.minimum).toBe(1);
    expect(operation?.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }),
      ]),
    );
  });

  it('documents the webhook signature header and that wholesale routes need a key', async () => {
    // Arrange
    const webhook = routes.taxAuthorityWebhook;
    const wholesale = routes.getQuotaOrder;

    // Act
    const response = await kuota.api.get<{
      paths: Record<string, Record<string, { parameters?: { name: string }[]; security?: unknown[] }>>;
      components: { securitySchemes: Record<string, { in?: string; name?: string }> };
    }>('/openapi.json');

    // Assert: the signature header is the webhook operation's security scheme.
    const webhookOperation = response.body.paths[webhook.path]?.post;
    expect(webhookOperation?.security).toEqual([{ webhookSignature: [] }]);
    expect(response.body.components.securitySchemes.webhookSignature).toMatchObject({
      in: 'header',
      name: 'Kuota-Signature',
    });
    expect(response.body.paths[wholesale.path]?.get?.security).toEqual([{ resellerKey: [] }]);
  });
});

/** Follows a local `#/...` reference, if the schema is one. */
const resolveRef = (document: unknown, schema: unknown): unknown => {
  const ref = (schema as { $ref?: string } | undefined)?.$ref;
  if (!ref?.startsWith('#/')) return schema;
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
};
