import {
  DeleteCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dynamo } from './aws-clients.js';
import { ConditionFailed, storeCall } from './dynamo-errors.js';

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/**
 * Sends the plain write a one-item transaction is: the same item, change and condition, at half the write
 * units (a transactional write bills 2 per KB, a plain one 1). Undefined for an item that writes nothing.
 */
const sendPlainWrite = (item: TransactItems[number]): Promise<unknown> | undefined => {
  if (item.Put) return dynamo().send(new PutCommand(item.Put));
  if (item.Update) return dynamo().send(new UpdateCommand(item.Update));
  if (item.Delete) return dynamo().send(new DeleteCommand(item.Delete));
  return undefined;
};

/**
 * All the items commit, or none does; failures come back as domain errors (ConditionFailed with indexes).
 * One item is written as the plain conditional write it is (all or nothing already).
 */
export const transactWrite = async (items: TransactItems): Promise<void> => {
  const [only] = items;
  if (items.length === 1 && only && !only.ConditionCheck) {
    try {
      await storeCall(() => sendPlainWrite(only) ?? Promise.resolve());
    } catch (error) {
      throw error instanceof ConditionFailed ? new ConditionFailed([0]) : error;
    }
    return;
  }
  await storeCall(() => dynamo().send(new TransactWriteCommand({ TransactItems: items })));
};
