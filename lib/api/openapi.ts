import { z } from 'zod';
import { allRoutes, needsApiKey, type RouteDefinition } from './routes.js';

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas the handlers parse with. JSON Schema
 * draft 2020-12 is OpenAPI 3.1's schema dialect, so zod's output is used as is, except that the named
 * schemas zod puts in a local `$defs` are moved to `components.schemas` (see hoistDefinitions).
 */
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;

const stripDialect = (schema: Record<string, unknown>) => {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
};

const parametersOf = (route: RouteDefinition) => {
  const parameters: Record<string, unknown>[] = [];
  const addObject = (schema: z.ZodType | undefined, location: 'path' | 'query') => {
    if (!schema) return;
    const json = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      parameters.push({
        name,
        in: location,
        required: location === 'path' || (json.required ?? []).includes(name),
        schema: property,
      });
    }
  };
  addObject(route.request.params, 'path');
  addObject(route.request.query, 'query');
  if (route.request.idempotencyKey) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: true,
      schema: stripDialect(jsonSchema(route.request.idempotencyKey, 'input')),
    });
  }
  for (const header of route.request.headers ?? []) {
    // The Order-Token is a credential: the operation's security names it (scheme `orderToken`).
    if (header.name === ORDER_TOKEN_HEADER) continue;
    parameters.push({
      name: header.name,
      in: 'header',
      required: header.required ?? false,
      description: header.description,
      schema: { type: 'string' },
    });
  }
  return parameters;
};

const ORDER_TOKEN_HEADER = 'Order-Token';

/**
 * How each operation is authorised, as a declared scheme: an API key (reseller or regulator), the
 * buyer's Order-Token, the webhook sender's HMAC signature, or nothing (public).
 */
const securityOf = (route: RouteDefinition): Record<string, string[]>[] => {
  if (needsApiKey(route.auth)) return [{ [route.auth === 'reseller' ? 'resellerKey' : 'regulatorKey']: [] }];
  if (route.auth === 'webhook') return [{ webhookSignature: [] }];
  if ((route.request.headers ?? []).some((header) => header.name === ORDER_TOKEN_HEADER))
    return [{ orderToken: [] }];
  return [];
};

const SECURITY_SCHEMES = {
  resellerKey: { type: 'http', scheme: 'bearer', description: 'A reseller API key' },
  regulatorKey: { type: 'http', scheme: 'bearer', description: 'The regulator API key' },
  orderToken: {
    type: 'apiKey',
    in: 'header',
    name: ORDER_TOKEN_HEADER,
    description:
      'The token an order was placed with (`orderToken`, valid 30 days); without it the order answers 404',
  },
  webhookSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'Kuota-Signature',
    description:
      '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` under the secret shared with the sender; 300 s tolerance either way',
  },
} as const;

/**
 * zod emits `{ $ref: '#/$defs/X', $defs: { X } }` for a schema with `.meta({ id })`. Inside an OpenAPI
 * document `#` is the document root, where no `$defs` exists, so those references would dangle: the named
 * schemas move to `components.schemas` and every reference is rewritten to point there.
 */
const hoistDefinitions = (document: Record<string, unknown>, schemas: Record<string, unknown>) => {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$defs' && value && typeof value === 'object') {
        for (const [name, definition] of Object.entries(value)) {
          const hoisted = visit(definition);
          if (name in schemas && JSON.stringify(schemas[name]) !== JSON.stringify(hoisted)) {
            throw new Error(`two different schemas are both named ${name} in the OpenAPI document`);
          }
          schemas[name] = hoisted;
        }
      } else if (key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')) {
        out[key] = `#/components/schemas/${value.slice('#/$defs/'.length)}`;
      } else out[key] = visit(value);
    }
    return out;
  };
  return visit(document) as Record<string, unknown>;
};

export const buildOpenApiDocument = (options: { includeSandbox: boolean; serverUrl?: string }) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of allRoutes) {
    if (route.sandboxOnly && !options.includeSandbox) continue;
    const operation: Record<string, unknown> = {
      operationId: route.id,
      summary: route.summary,
      description: route.description,
      tags: [route.tag],
      parameters: parametersOf(route),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, spec]) => [
          status,
          {
            description: spec.description,
            ...(spec.headers
              ? {
                  headers: Object.fromEntries(
                    spec.headers.map((header) => [
                      header.name,
                      { description: header.description, schema: { type: 'string' } },
                    ]),
                  ),
                }
              : {}),
            ...(spec.schema
              ? {
                  content: {
                    [spec.contentType ?? 'application/json']: {
                      schema: stripDialect(jsonSchema(spec.schema, 'output')),
                    },
                  },
                }
              : {}),
          },
        ]),
      ),
    };
    if (route.request.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: stripDialect(jsonSchema(route.request.body, 'input')) } },
      };
    }
    // Every operation says how it is authorised; public routes and signed webhooks need no API key.
    operation.security = securityOf(route);
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation;
  }
  const schemas: Record<string, unknown> = {};
  const hoistedPaths = hoistDefinitions(paths, schemas);
  return {
    openapi: '3.1.0',
    info: {
      title: 'kuota',
      version: '1.0.0',
      // The package is private (not published); the contract says so rather than leaving it unstated.
      license: {
        name: 'Proprietary: kuota, all rights reserved',
        identifier: 'LicenseRef-kuota-proprietary',
      },
      description:
        'Distribution of the e-Meterai duty stamp from the tax authority through the issuer and licensed resellers to the public.',
    },
    // Relative to wherever the document is served from, unless a deployment names its URL.
    servers: [{ url: options.serverUrl ?? '/' }],
    components: {
      securitySchemes: SECURITY_SCHEMES,
      schemas,
    },
    paths: hoistedPaths,
  };
};
