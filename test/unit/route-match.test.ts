import { describe, expect, it } from 'vitest';
import { routeMatcher } from '../../lib/api/route-match.js';
import { type HttpMethod, type RouteDefinition, routes } from '../../lib/api/routes.js';

/** Only method and path matter to the matcher; the rest of a route definition is irrelevant here. */
const route = (method: HttpMethod, path: string): RouteDefinition =>
  ({ id: `${method} ${path}`, method, path }) as unknown as RouteDefinition;

const idOf = (result: ReturnType<ReturnType<typeof routeMatcher>>) =>
  result.kind === 'route' ? result.route.id : result.kind;

describe('routeMatcher', () => {
  describe('specificity', () => {
    const match = routeMatcher([route('GET', '/v1/things/{thingId}'), route('GET', '/v1/things/export')]);

    it('prefers a literal segment over a parameter, whatever the declaration order', () => {
      // Arrange
      const path = '/v1/things/export';

      // Act
      const result = match('GET', path);

      // Assert
      expect(idOf(result)).toBe('GET /v1/things/export');
      expect(result.kind === 'route' && result.params).toEqual({});
    });

    it('gives every other value to the parameter route, with the parameter named', () => {
      // Arrange
      const path = '/v1/things/T123';

      // Act
      const result = match('GET', path);

      // Assert
      expect(idOf(result)).toBe('GET /v1/things/{thingId}');
      expect(result.kind === 'route' && result.params).toEqual({ thingId: 'T123' });
    });

    it('does not let a parameter route take a method the more specific literal resource lacks', () => {
      // Arrange: as on API Gateway, /v1/things/export is its own resource, and it has no POST.
      const withPost = routeMatcher([
        route('POST', '/v1/things/{thingId}'),
        route('GET', '/v1/things/export'),
      ]);

      // Act
      const onLiteral = withPost('POST', '/v1/things/export');
      const onParameter = withPost('POST', '/v1/things/T1');

      // Assert
      expect(onLiteral).toEqual({ kind: 'method-not-allowed', allow: ['GET'] });
      expect(idOf(onParameter)).toBe('POST /v1/things/{thingId}');
    });
  });

  describe('405 and 404', () => {
    const match = routeMatcher([
      route('GET', '/v1/orders'),
      route('POST', '/v1/orders'),
      route('GET', '/v1/orders/{orderId}'),
      route('DELETE', '/v1/orders/{orderId}'),
    ]);

    it('answers method-not-allowed with every method of that path, once each', () => {
      // Arrange
      const method = 'PUT';

      // Act
      const collection = match(method, '/v1/orders');
      const item = match(method, '/v1/orders/O1');

      // Assert
      expect(collection).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'POST'] });
      expect(item).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'DELETE'] });
    });

    it('matches methods case-insensitively', () => {
      // Arrange
      const method = 'post';

      // Act
      const result = match(method, '/v1/orders');

      // Assert
      expect(idOf(result)).toBe('POST /v1/orders');
    });

    it('accepts one trailing slash', () => {
      // Arrange
      const path = '/v1/orders/';

      // Act
      const result = match('GET', path);

      // Assert
      expect(idOf(result)).toBe('GET /v1/orders');
    });

    it.each([
      ['an unknown path', '/v1/nothing'],
      ['an extra segment', '/v1/orders/O1/items'],
      ['an empty parameter', '/v1/orders//'],
      ['a prefix only', '/v1'],
      ['the root', '/'],
      ['a double slash', '//v1/orders'],
    ])('answers not-found for %s', (_name, path) => {
      // Arrange
      const method = 'GET';

      // Act
      const result = match(method, path);

      // Assert
      expect(result).toEqual({ kind: 'not-found' });
    });

    it('treats the dot in a literal path as a dot, not a regex wildcard', () => {
      // Arrange
      const withDot = routeMatcher([route('GET', '/openapi.json')]);

      // Act
      const exact = withDot('GET', '/openapi.json');
      const lookalike = withDot('GET', '/openapiXjson');

      // Assert
      expect(exact.kind).toBe('route');
      expect(lookalike).toEqual({ kind: 'not-found' });
    });
  });

  describe('decoding of parameters', () => {
    const match = routeMatcher([route('GET', '/v1/things/{thingId}')]);

    it.each([
      ['a percent-encoded underscore', 'QO%5F1', 'QO_1'],
      ['an encoded space', 'a%20b', 'a b'],
      ['encoded UTF-8', '%E2%82%AC', '€'],
      ['an encoded slash, which stays inside the one segment', 'a%2Fb', 'a/b'],
      ['a malformed escape, left as sent for the schema to refuse', '%E0%A4%A', '%E0%A4%A'],
    ])('decodes %s', (_name, raw, decoded) => {
      // Arrange
      const path = `/v1/things/${raw}`;

      // Act
      const result = match('GET', path);

      // Assert
      expect(result.kind === 'route' && result.params).toEqual({ thingId: decoded });
    });
  });

  describe('the real routes', () => {
    const match = routeMatcher();

    it('routes the quota-order paths to their handlers', () => {
      // Arrange
      const orderPath = '/v1/wholesale/quota-orders/QO_00000000000000000000000000';

      // Act
      const create = match('POST', '/v1/wholesale/quota-orders');
      const read = match('GET', orderPath);
      const wrong = match('GET', '/v1/wholesale/quota-orders');

      // Assert
      expect(create.kind === 'route' && create.route.id).toBe(routes.createQuotaOrder.id);
      expect(read.kind === 'route' && read.route.id).toBe(routes.getQuotaOrder.id);
      expect(read.kind === 'route' && read.params).toEqual({ orderId: 'QO_00000000000000000000000000' });
      expect(wrong).toEqual({ kind: 'method-not-allowed', allow: ['POST'] });
    });

    it('has no two routes with the same method and path', () => {
      // Arrange
      const all = Object.values(routes) as RouteDefinition[];

      // Act
      const keys = all.map((definition) => `${definition.method} ${definition.path}`);

      // Assert
      expect(new Set(keys).size).toBe(keys.length);
    });
  });
});
