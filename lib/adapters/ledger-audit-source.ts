import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

/** Where the ledger audit reads: a DynamoDB client (the handlers', or a script's own) and the main table. */
export interface LedgerCheckSource {
  readonly client: DynamoDBDocumentClient;
  readonly mainTable: string;
}

/**
 * Every stock shard, ledger entry, storefront order and reseller partition item (profile, quota orders) of
 * the main table, with only the `attributes` the audit reads: one paginated, strongly consistent Scan. The
 * audit compares them; it is a full read by design (it is the independent check of everything the running
 * figures say), so it runs as a job or a script, never on a request path. The projection keeps what it
 * holds in memory small: an order item is most of a kilobyte (payment, stamps, contact), of which the audit
 * reads a few numbers.
 */
export const scanLedgerSources = async (
  source: LedgerCheckSource,
  attributes: readonly string[],
): Promise<Record<string, unknown>[]> => {
  const names = Object.fromEntries(attributes.map((attribute, index) => [`#a${index}`, attribute]));
  const items: Record<string, unknown>[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await source.client.send(
      new ScanCommand({
        TableName: source.mainTable,
        ConsistentRead: true,
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: { ...names, '#entity': 'entity' },
        FilterExpression:
          'begins_with(pk, :stock) OR begins_with(pk, :ledger) OR begins_with(pk, :reseller) OR (begins_with(pk, :order) AND #entity = :storefrontOrder)',
        ExpressionAttributeValues: {
          ':stock': 'STOCK#',
          ':ledger': 'LEDGER#',
          ':reseller': 'RESELLER#',
          ':order': 'SORDER#',
          ':storefrontOrder': 'StorefrontOrder',
        },
        ExclusiveStartKey: cursor,
      }),
    );
    items.push(...(page.Items ?? []));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return items;
};
