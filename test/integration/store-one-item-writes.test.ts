import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { dynamo } from '../../lib/adapters/aws-clients.js';
import { ConditionFailed } from '../../lib/adapters/dynamo-errors.js';
import { transactWrite } from '../../lib/adapters/transact.js';
import { useTestCloud } from '../support/cloud.js';

/**
 * A store's all-or-nothing write of one item is the plain conditional write it is (half the write units of
 * a one-item transaction), with the same outcome: written, or refused as ConditionFailed at position 0.
 */
const kuota = useTestCloud();

const sentCommands = async (act: () => Promise<unknown>) => {
  const send = vi.spyOn(dynamo(), 'send');
  try {
    await act().catch(() => undefined);
    return send.mock.calls.map(([command]) => command.constructor.name);
  } finally {
    send.mockRestore();
  }
};

describe('a one-item write through transactWrite', () => {
  it('is sent as a plain conditional update, applies, and refuses a failed condition as ConditionFailed([0])', async () => {
    // Arrange
    const table = kuota.cloud.tables.main;
    const key = { pk: 'TEST#one-item', sk: 'ITEM' };
    const bump = (expected: number) =>
      transactWrite([
        {
          Update: {
            TableName: table,
            Key: key,
            UpdateExpression: 'SET #n = :next',
            ConditionExpression: 'attribute_not_exists(#n) OR #n = :expected',
            ExpressionAttributeNames: { '#n': 'n' },
            ExpressionAttributeValues: { ':next': expected + 1, ':expected': expected },
          },
        },
      ]);

    // Act
    const commands = await sentCommands(() => bump(0));
    const refusal = await bump(0).catch((error: unknown) => error);
    const stored = await dynamo().send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));

    // Assert
    expect(commands).toEqual(['UpdateCommand']);
    expect(refusal).toBeInstanceOf(ConditionFailed);
    expect((refusal as ConditionFailed).failedItemIndexes).toEqual([0]);
    expect(stored.Item).toMatchObject({ n: 1 });
  });

  it('still sends two items as one transaction', async () => {
    // Arrange
    const table = kuota.cloud.tables.main;
    const put = (sk: string) => ({ Put: { TableName: table, Item: { pk: 'TEST#two-items', sk } } });

    // Act
    const commands = await sentCommands(() => transactWrite([put('A'), put('B')]));

    // Assert
    expect(commands).toEqual(['TransactWriteCommand']);
  });
});
