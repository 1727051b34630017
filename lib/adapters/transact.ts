import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './aws-clients.js';
import { storeCall } from './dynamo-errors.js';

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** All the items commit, or none does; failures come back as domain errors (ConditionFailed with indexes). */
export const transactWrite = async (items: TransactItems): Promise<void> => {
  await storeCall(() => dynamo().send(new TransactWriteCommand({ TransactItems: items })));
};
