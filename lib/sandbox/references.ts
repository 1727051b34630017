/**
 * The simulated parties answer a retried request as real ones do, by the caller's reference: a reference
 * item names the record made for it, and is written in the same transaction as the record, so a reference
 * names at most one record.
 */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../adapters/aws-clients.js';
import { storeCall } from '../adapters/dynamo-errors.js';
import { config } from '../config.js';

type ItemKey = { readonly pk: string; readonly sk: string };

const table = () => config().sandboxTable;

/** The record made for a reference, read through the reference item's `idAttribute`; none yet: undefined. */
export const recordOfReference = async <T>(
  referenceKey: ItemKey,
  idAttribute: string,
  read: (id: string) => Promise<T | undefined>,
): Promise<T | undefined> => {
  const reference = await storeCall(() =>
    dynamo().send(new GetCommand({ TableName: table(), Key: referenceKey, ConsistentRead: true })),
  );
  return reference.Item ? read(String(reference.Item[idAttribute])) : undefined;
};

/**
 * Writes a record and its reference item, both or neither: ConditionFailed when the reference names a record
 * already (or when `record` has a condition of its own that fails).
 */
export const putWithReference = async (
  referenceItem: Record<string, unknown>,
  record: { readonly Item: Record<string, unknown>; readonly ConditionExpression?: string },
): Promise<void> => {
  await storeCall(() =>
    dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: { TableName: table(), Item: referenceItem, ConditionExpression: 'attribute_not_exists(pk)' },
          },
          { Put: { TableName: table(), ...record } },
        ],
      }),
    ),
  );
};
