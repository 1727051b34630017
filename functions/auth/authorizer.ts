import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { apiKeyStore } from '../../lib/adapters/api-key-store.js';
import { withStoreRetries } from '../../lib/adapters/dynamo-errors.js';
import { config } from '../../lib/config.js';
import { API_KEY_PATTERN, bearerToken, hashApiKey } from '../../lib/domain/api-keys.js';
import { principalOfKeyRecord } from '../../lib/domain/principal.js';
import { headerValue } from '../../lib/http/headers.js';
import { logger } from '../../lib/logger.js';

config();

/** API Gateway turns this exact error message into a 401 response. */
const unauthorized = () => new Error('Unauthorized');

/**
 * REQUEST authorizer: resolves `Authorization: Bearer <apiKey>` to a principal. It only authenticates; the
 * route's handler checks the role (403), so one cached result per key is valid for every route.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> => {
  const headers = event.headers ?? {};
  const authorization = headerValue(headers, 'authorization');
  const apiKey = bearerToken(authorization);
  if (!apiKey || !API_KEY_PATTERN.test(apiKey)) throw unauthorized();
  // Retried here: API Gateway answers 500 for any authorizer error other than Unauthorized.
  const record = await withStoreRetries(() => apiKeyStore.get(hashApiKey(apiKey)));
  // Fails closed: an unknown, revoked, expired or malformed key (a role it does not know, a missing id) is a 401.
  const principal = principalOfKeyRecord(record, new Date());
  if (!principal) {
    logger.warn('unknown, revoked or malformed API key');
    throw unauthorized();
  }
  // Allow every method of this API and stage: the cached policy is reused across routes.
  const [arnPrefix, apiStage] = event.methodArn.split('/', 2) as [string, string];
  const principalId =
    principal.role === 'reseller' ? `reseller:${principal.resellerId}` : `regulator:${principal.regulatorId}`;
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${arnPrefix}/${apiStage}/*/*` },
      ],
    },
    context:
      principal.role === 'reseller'
        ? { role: 'reseller', resellerId: principal.resellerId }
        : { role: 'regulator', regulatorId: principal.regulatorId },
  };
};
