import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { Index, RESELLER_ORDER_BUCKETS } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { batchGetItems } from './batch-get.js';
import { storeCall } from './dynamo-errors.js';

/**
 * The items behind index entries of `Index.byReseller` (a keys-only index), in the entries' order; an item
 * gone since (e.g. expired by TTL) is left out.
 */
export const itemsOf = async (
  entries: readonly Record<string, unknown>[],
): Promise<Record<string, unknown>[]> =>
  (await batchGetItems(entries)).filter((item): item is Record<string, unknown> => item !== undefined);

/** A filtered read stops after this many pages of a partition (a short page with a cursor, never a timeout). */
const MAX_PAGES_PER_PARTITION = 3;

/**
 * One page, newest first, of a reseller's records spread over several partitions of `Index.byReseller`
 * (sort keys `<time>#<id>`, unique): each partition is read from `before` (exclusive) downwards within
 * [lower, upper], the partitions are merged, and the page ends at `limit`. `last` is where the next page
 * starts (exclusive); absent when nothing is left. A status filter reads at most a few pages of each
 * partition per call, so a rare status answers a short (even empty) page with a cursor, not a timeout.
 */
export const newestFirst = async (input: {
  partitions: readonly string[];
  limit: number;
  lower?: string;
  upper?: string;
  before?: string;
  /** Only records whose `status` is this one (a filter: a page is read on until it is full). */
  status?: string;
}): Promise<{ items: Record<string, unknown>[]; last?: string }> => {
  const lower = input.lower ?? '0000';
  const upperBound = `${input.upper ?? '9999'}~`;
  const upper = input.before && input.before < upperBound ? input.before : upperBound;
  // An empty window: DynamoDB refuses a BETWEEN whose bounds are reversed (a 500 otherwise).
  if (upper < lower) return { items: [] };
  const perPartition = await Promise.all(
    input.partitions.map(async (partition) => {
      const found: Record<string, unknown>[] = [];
      let cursor: Record<string, unknown> | undefined;
      let pages = 0;
      let lowestRead: string | undefined;
      do {
        const result = await storeCall(() =>
          dynamo().send(
            new QueryCommand({
              TableName: config().mainTable,
              IndexName: Index.byReseller.indexName,
              KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :lower AND :upper',
              ExpressionAttributeValues: { ':pk': partition, ':lower': lower, ':upper': upper },
              ScanIndexForward: false,
              Limit: input.limit + 1,
              ExclusiveStartKey: cursor,
            }),
          ),
        );
        pages += 1;
        // The index holds keys only: the page's items are read, then filtered (as a FilterExpression would).
        const items = await itemsOf((result.Items ?? []).filter((entry) => entry.gsi2sk !== input.before));
        found.push(...items.filter((item) => input.status === undefined || item.status === input.status));
        cursor = result.LastEvaluatedKey;
        if (cursor) lowestRead = String(cursor.gsi2sk);
      } while (cursor && found.length < input.limit + 1 && pages < MAX_PAGES_PER_PARTITION);
      // Not read to its end: nothing below where this partition's reading stopped may be answered yet.
      return { found, ...(cursor && found.length < input.limit + 1 ? { stoppedAt: lowestRead } : {}) };
    }),
  );
  // The deepest point every unfinished partition has reached: the page ends there at the latest.
  const cutoff = perPartition
    .map((partition) => partition.stoppedAt)
    .filter((value): value is string => value !== undefined)
    .sort()
    .at(-1);
  const merged = perPartition
    .flatMap((partition) => partition.found)
    .filter((item) => cutoff === undefined || String(item.gsi2sk) >= cutoff)
    .sort((a, b) => (String(a.gsi2sk) < String(b.gsi2sk) ? 1 : -1))
    .slice(0, input.limit + 1);
  const page = merged.slice(0, input.limit);
  const last = merged.length > input.limit ? page.at(-1)?.gsi2sk : cutoff !== undefined ? cutoff : undefined;
  return { items: page, ...(last !== undefined ? { last: String(last) } : {}) };
};

/**
 * One page, newest first, of one kind of a reseller's records, indexed over `RESELLER_ORDER_BUCKETS`
 * partitions (`partitionOf` names each bucket's) so that a busy reseller's writes spread. An empty option
 * is no bound at all.
 */
export const newestFirstOverBuckets = (
  partitionOf: (bucket: number) => string,
  options: { limit: number; lower?: string; upper?: string; before?: string; status?: string },
): Promise<{ items: Record<string, unknown>[]; last?: string }> =>
  newestFirst({
    partitions: Array.from({ length: RESELLER_ORDER_BUCKETS }, (_, bucket) => partitionOf(bucket)),
    limit: options.limit,
    ...(options.lower ? { lower: options.lower } : {}),
    ...(options.upper ? { upper: options.upper } : {}),
    ...(options.before ? { before: options.before } : {}),
    ...(options.status ? { status: options.status } : {}),
  });
