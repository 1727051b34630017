import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, startSqsEmulator } from '../../lib/runtime/emulators.js';

/**
 * One DynamoDB Local and one fauxqs for the whole run; each test file provisions its own tables and queues
 * under a unique prefix, so files never see each other's data.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
    sqsEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const dynamoDb = await startDynamoDbLocal({});
  const sqs = await startSqsEmulator({});
  project.provide('dynamoDbEndpoint', dynamoDb.endpoint);
  project.provide('sqsEndpoint', sqs.endpoint);
  return async () => {
    await sqs.stop();
    await dynamoDb.stop();
  };
}
