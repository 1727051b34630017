import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { orderOfItem } from '../adapters/storefront-store.js';
import { saleEntryOf } from '../domain/storefront-order.js';
import { Index, MainKeys } from '../infra/resources.js';

/**
 * A kept local main table from before the ledger index (2026-12-02) holds the ledger as it was then: RESERVE
 * and RELEASE entries (a hold is no movement now), SELL entries as items of their own (a sold order is its
 * own SELL entry now), and MINT entries without their place in the index. `npm start` keeps DynamoDB
 * Local's data, so provisioning runs this once, when it adds the ledger index to such a table: each MINT
 * entry gets its place, each sold order gets its own, and the old hold and sale entry items go. Without it
 * the listing would miss the old stock deliveries and `ledger:check` would report the old kinds.
 * Idempotent: a second run finds nothing to do.
 */
export const migrateLedgerToIndex = async (
  client: DynamoDBClient,
  table: string,
): Promise<{ placed: number; removed: number }> => {
  const documents = DynamoDBDocumentClient.from(client);
  let placed = 0;
  let removed = 0;
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        FilterExpression: 'begins_with(pk, :ledger)',
        ExpressionAttributeValues: { ':ledger': 'LEDGER#' },
        ExclusiveStartKey: cursor,
      }),
    );
    for (const entry of page.Items ?? []) {
      const key = { pk: entry.pk, sk: entry.sk };
      if (entry.kind === 'MINT') {
        if (entry[Index.ledger.partitionKey] !== undefined) continue;
        await placeInLedger(documents, table, key, {
          resellerId: String(entry.resellerId),
          shard: Number(entry.shard),
          at: String(entry.at),
          entryId: String(entry.entryId),
        });
        placed += 1;
        continue;
      }
      if (entry.kind === 'SELL') placed += await placeSoldOrder(documents, table, String(entry.reference));
      if (entry.kind === 'SELL' || entry.kind === 'RESERVE' || entry.kind === 'RELEASE') {
        await documents.send(new DeleteCommand({ TableName: table, Key: key }));
        removed += 1;
      }
    }
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return { placed, removed };
};

const placeInLedger = (
  documents: DynamoDBDocumentClient,
  table: string,
  key: Record<string, unknown>,
  entry: { resellerId: string; shard: number; at: string; entryId: string },
) => {
  const place = MainKeys.ledgerPlace(entry);
  return documents.send(
    new UpdateCommand({
      TableName: table,
      Key: key,
      UpdateExpression: 'SET #place = :place, #at = :at',
      ExpressionAttributeNames: { '#place': Index.ledger.partitionKey, '#at': Index.ledger.sortKey },
      ExpressionAttributeValues: { ':place': place.gsi3pk, ':at': place.gsi3sk },
    }),
  );
};

/** The sold order an old SELL entry names becomes its own entry (1), unless it is gone or not sold (0). */
const placeSoldOrder = async (documents: DynamoDBDocumentClient, table: string, orderId: string) => {
  const key = MainKeys.storefrontOrder(orderId);
  const { Item: item } = await documents.send(
    new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  if (!item || item[Index.ledger.partitionKey] !== undefined) return 0;
  const sale = saleEntryOf(orderOfItem(item));
  if (!sale) return 0;
  await placeInLedger(documents, table, key, sale);
  return 1;
};
