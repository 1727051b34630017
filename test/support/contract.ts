import type { z } from 'zod';
import { routeMatcher } from '../../lib/api/route-match.js';
import { allRoutes } from '../../lib/api/routes.js';
import { ErrorBody } from '../../lib/api/schemas.js';

/**
 * Every answer the integration tests receive is checked against the contract (the zod schemas of
 * lib/api/routes.ts, the source of docs/openapi.json): a JSON body of a declared status must parse under
 * its schema, and must carry no property the schema does not name, so a leak like the storage keys
 * `pk`/`sk` fails the test that saw it. Pages, assets and CSV are not JSON and are not checked here.
 */
const match = routeMatcher(allRoutes);

/** Paths of properties in `received` that `parsed` (the schema's output, unknown keys stripped) lacks. */
export const undeclaredProperties = (received: unknown, parsed: unknown, at = '$'): string[] => {
  if (Array.isArray(received) && Array.isArray(parsed))
    return received.flatMap((item, index) => undeclaredProperties(item, parsed[index], `${at}[${index}]`));
  if (received && typeof received === 'object' && parsed && typeof parsed === 'object') {
    return Object.entries(received).flatMap(([key, value]) =>
      key in parsed
        ? undeclaredProperties(value, (parsed as Record<string, unknown>)[key], `${at}.${key}`)
        : [`${at}.${key}`],
    );
  }
  return [];
};

export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

/** Throws ContractViolation when a JSON answer breaks its route's declared response. */
export const checkAnswer = (
  method: string,
  url: string,
  status: number,
  contentType: string | null,
  body: unknown,
): void => {
  if (!contentType?.includes('application/json')) return;
  const { pathname } = new URL(url);
  const found = match(method, pathname);
  if (found.kind !== 'route') return;
  const { route } = found;
  const label = `${method} ${route.path} → ${status}`;
  // No route declares a 5xx (the API is built never to answer one); the tests that inject crashes and
  // faults assert their 5xx themselves. Its body must still be the API's error shape.
  if (status >= 500) {
    const result = ErrorBody.safeParse(body);
    if (!result.success) throw new ContractViolation(`${label} is not in the API's error shape`);
    const extra = undeclaredProperties(body, result.data);
    if (extra.length > 0)
      throw new ContractViolation(`${label} carries undeclared properties: ${extra.join(', ')}`);
    return;
  }
  const declared = route.responses[status];
  if (!declared)
    throw new ContractViolation(
      `${label} is not a status the route declares (${Object.keys(route.responses).join(', ')}): ${JSON.stringify(body).slice(0, 300)}`,
    );
  const schema = declared.schema as z.ZodType | undefined;
  if (!schema) return;
  const result = schema.safeParse(body);
  if (!result.success)
    throw new ContractViolation(`${label} does not match its schema: ${result.error.message.slice(0, 600)}`);
  const extra = undeclaredProperties(body, result.data);
  if (extra.length > 0)
    throw new ContractViolation(
      `${label} carries properties its schema does not declare: ${extra.slice(0, 10).join(', ')}`,
    );
};
