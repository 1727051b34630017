import { allRoutes, type HttpMethod, type RouteDefinition } from './routes.js';

/**
 * Matches a request to a route the way API Gateway does: literal segments beat parameters, a path that
 * exists with other methods answers 405 with Allow, anything else 404.
 */
interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
  readonly literalSegments: number;
}

const compile = (route: RouteDefinition): CompiledRoute => {
  const parameterNames: string[] = [];
  const segments = route.path.split('/').filter(Boolean);
  const source = segments
    .map((segment) => {
      const parameter = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
      if (parameter?.[1]) {
        parameterNames.push(parameter[1]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return {
    route,
    pattern: new RegExp(`^/${source}/?$`),
    parameterNames,
    literalSegments: segments.length - parameterNames.length,
  };
};

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: RouteDefinition; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly HttpMethod[] }
  | { readonly kind: 'not-found' };

export const routeMatcher = (routes: readonly RouteDefinition[] = allRoutes) => {
  const compiled = routes.map(compile).sort((a, b) => b.literalSegments - a.literalSegments);
  return (method: string, path: string): RouteMatch => {
    // As API Gateway: the most specific resource (path) that matches wins, then the method is looked up on
    // that resource alone; a less specific path with the method does not take the request.
    const resource = compiled.find((candidate) => candidate.pattern.test(path));
    if (!resource) return { kind: 'not-found' };
    const onResource = compiled.filter((candidate) => candidate.route.path === resource.route.path);
    const candidate = onResource.find((other) => other.route.method === method.toUpperCase());
    if (!candidate) {
      const allow: HttpMethod[] = onResource.map((other) => other.route.method);
      return { kind: 'method-not-allowed', allow: [...new Set(allow)] };
    }
    const match = candidate.pattern.exec(path);
    if (match) {
      const params: Record<string, string> = {};
      candidate.parameterNames.forEach((name, index) => {
        let value = match[index + 1] ?? '';
        try {
          value = decodeURIComponent(value);
        } catch {
          // Leave a malformed escape as sent; the route's schema rejects it with a 400.
        }
        params[name] = value;
      });
      return { kind: 'route', route: candidate.route, params };
    }
    return { kind: 'not-found' };
  };
};
