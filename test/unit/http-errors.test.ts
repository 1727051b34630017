import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { routes } from '../../lib/api/routes.js';
import { resetConfigForTests } from '../../lib/config.js';
import { httpHandler } from '../../lib/http/handler.js';
import { Buckets, Queues, Tables } from '../../lib/infra/resources.js';
import { logger } from '../../lib/logger.js';
import { lambdaContext } from '../../lib/runtime/lambda-context.js';

/** A 500 names a requestId the client sees, and the log line of the failure carries the same one. */
const saved = { ...process.env };
beforeAll(() => {
  for (const table of Object.values(Tables)) process.env[table.envVar] = `test-${table.logicalName}`;
  for (const bucket of Object.values(Buckets)) process.env[bucket.envVar] = `test-${bucket.logicalName}`;
  for (const queue of Object.values(Queues)) {
    process.env[queue.envVar] = `http://127.0.0.1:4566/000000000000/test-${queue.logicalName}`;
    process.env[queue.deadLetterEnvVar] = `http://127.0.0.1:4566/000000000000/test-${queue.logicalName}-dlq`;
  }
  resetConfigForTests();
});
afterAll(() => {
  process.env = saved;
  resetConfigForTests();
});

/** A GET of the OpenAPI document as API Gateway hands it to the function. */
const openApiRequest = () =>
  ({
    httpMethod: 'GET',
    path: '/openapi.json',
    headers: {},
    queryStringParameters: null,
    pathParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'gateway-request', path: '/openapi.json' },
  }) as unknown as APIGatewayProxyEvent;

describe('an unhandled error', () => {
  it('answers 500 with a requestId that the error log line carries too', async () => {
    // Arrange
    const failing = httpHandler(routes.openApiDocument, async () => {
      throw new Error('boom');
    });
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const context = lambdaContext('openApiDocument', 3, 256);
    const event = openApiRequest();

    // Act
    const response = await failing(event, context);

    // Assert
    const body = JSON.parse(response.body) as { error: { code: string; requestId: string } };
    expect(response.statusCode).toBe(500);
    expect(body.error).toEqual({
      code: 'INTERNAL',
      message: 'Internal error',
      requestId: context.awsRequestId,
    });
    expect(errors).toHaveBeenCalledWith(
      'unhandled error',
      expect.objectContaining({ requestId: context.awsRequestId, errorMessage: 'boom' }),
    );
    errors.mockRestore();
  });
});

describe('a request that runs out of time', () => {
  it('answers 429 with Retry-After (never a 5xx) when the handler outlasts its remaining time', async () => {
    // Arrange: a function with half a second left and a use case that needs longer.
    const slow = httpHandler(routes.openApiDocument, async () => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      return { statusCode: 200, body: {} };
    });
    const context = { ...lambdaContext('openApiDocument', 3, 256), getRemainingTimeInMillis: () => 500 };
    const event = openApiRequest();

    // Act
    const response = await slow(event, context);

    // Assert
    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'SERVICE_BUSY' } });
  });
});
