import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { dynamo } from './aws-clients.js';
import { RetryableStoreError, storeCall } from './dynamo-errors.js';

/** BatchGetItem reads at most 100 keys a call. */
const BATCH_GET_KEYS = 100;
/** Rounds for the keys DynamoDB leaves unprocessed (it does so when throttled), with backoff between. */
const UNPROCESSED_ROUNDS = 6;

type Key = Readonly<Record<string, unknown>>;
const keyOf = (key: Key) => `${String(key.pk)}\u0000${String(key.sk)}`;

/**
 * The items of the main table at `keys`, in the keys' order (undefined where none exists), in BatchGetItem
 * calls of 100. Keys DynamoDB leaves unprocessed are asked for again after a backoff; still unprocessed
 * after a few rounds, the read fails as throttled (RetryableStoreError), so the caller's retry budget
 * decides, never a tight loop or a silently missing item.
 */
export const batchGetItems = async (
  keys: readonly Key[],
  options: { consistent?: boolean; projection?: string } = {},
): Promise<(Record<string, unknown> | undefined)[]> => {
  const table = config().mainTable;
  const found = new Map<string, Record<string, unknown>>();
  for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
    let pending: Key[] = keys.slice(start, start + BATCH_GET_KEYS).map((key) => ({ pk: key.pk, sk: key.sk }));
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= UNPROCESSED_ROUNDS) throw new RetryableStoreError('THROTTLED');
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** round)));
      const request = {
        [table]: {
          Keys: pending,
          ...(options.consistent ? { ConsistentRead: true } : {}),
          // The keys come back too: they say which key each item answers.
          ...(options.projection ? { ProjectionExpression: `pk, sk, ${options.projection}` } : {}),
        },
      };
      const result = await storeCall(() => dynamo().send(new BatchGetCommand({ RequestItems: request })));
      for (const item of result.Responses?.[table] ?? []) found.set(keyOf(item), item);
      pending = (result.UnprocessedKeys?.[table]?.Keys ?? []) as Key[];
    }
  }
  return keys.map((key) => found.get(keyOf(key)));
};
