import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { routeMatcher } from '../../lib/api/route-match.js';
import { allRoutes } from '../../lib/api/routes.js';
import { config } from '../../lib/config.js';
import { JSON_HEADERS } from '../../lib/http/middleware.js';

/**
 * Answers requests no route took: 405 with Allow when the path exists with other methods, else 404.
 * API Gateway sends these here through an ANY method on every resource and a root `{proxy+}`.
 */
const match = routeMatcher(
  allRoutes.filter((route) => !route.sandboxOnly || config().stage !== 'production'),
);

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const result = match(event.httpMethod, event.path);
  if (result.kind === 'method-not-allowed') {
    return {
      statusCode: 405,
      headers: { ...JSON_HEADERS, allow: result.allow.join(', ') },
      body: JSON.stringify({
        error: {
          code: 'METHOD_NOT_ALLOWED',
          message: `${event.httpMethod} is not allowed here; use ${result.allow.join(' or ')}`,
        },
      }),
    };
  }
  return {
    statusCode: 404,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify({
      error: { code: 'NOT_FOUND', message: `no route for ${event.httpMethod} ${event.path}` },
    }),
  };
};
