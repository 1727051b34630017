import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';

/**
 * The baseline's two tables: its single-table design (stock counters, per-NIK counters, orders, payment
 * lookups) and the Powertools idempotency table (partition key `id`, TTL on `expiration`). Provisioned by
 * the benchmark and the baseline's tests only: the baseline is never deployed.
 */
export const BaselineEnv = {
  table: 'KUOTA_BASELINE_TABLE',
  idempotencyTable: 'KUOTA_BASELINE_IDEMPOTENCY_TABLE',
} as const;

export const baselineTableNames = (prefix: string) => ({
  table: `${prefix}-baseline`,
  idempotencyTable: `${prefix}-baseline-idempotency`,
});

export const baselineTable = (): string => {
  const name = process.env[BaselineEnv.table];
  if (!name) throw new Error(`${BaselineEnv.table} is not set`);
  return name;
};

export const baselineIdempotencyTable = (): string => {
  const name = process.env[BaselineEnv.idempotencyTable];
  if (!name) throw new Error(`${BaselineEnv.idempotencyTable} is not set`);
  return name;
};

export const provisionBaselineTables = async (client: DynamoDBClient, prefix: string) => {
  const names = baselineTableNames(prefix);
  const create = async (input: ConstructorParameters<typeof CreateTableCommand>[0]) => {
    try {
      await client.send(new CreateTableCommand(input));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  };
  await create({
    TableName: names.table,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  });
  await create({
    TableName: names.idempotencyTable,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  });
  process.env[BaselineEnv.table] = names.table;
  process.env[BaselineEnv.idempotencyTable] = names.idempotencyTable;
  return names;
};
