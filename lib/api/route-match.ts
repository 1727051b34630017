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
    const allow: HttpMethod[] = [];
    for (const candidate of compiled) {
      const match = candidate.pattern.exec(path);
      if (!match) continue;
      if (candidate.route.method !== method.toUpperCase()) {
        allow.push(candidate.route.method);
        continue;
      }
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
    return allow.length > 0
      ? { kind: 'method-not-allowed', allow: [...new Set(allow)] }
      : { kind: 'not-found' };
  };
};
