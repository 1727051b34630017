import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import {
  DOCUMENT_RETENTION_HOURS,
  type DocumentBinding,
  type Stamping,
  type StampingFailure,
} from '../domain/stamping.js';
import { stampSlot } from '../domain/storefront-order.js';
import { MainKeys } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { ConditionFailed, conditionalWrite, storeCall } from './dynamo-errors.js';
import { transactWrite } from './transact.js';

const table = () => config().mainTable;

/** Stamping records go with their documents (DynamoDB TTL; the bucket's lifecycle removes the files). */
const purgeAt = (createdAt: string): number =>
  Math.floor(Date.parse(createdAt) / 1000) + DOCUMENT_RETENTION_HOURS * 3600 + 3600;

const WORKABLE = { ':queued': 'QUEUED', ':stamping': 'STAMPING' } as const;

/**
 * A conditional update of a stamping: `false` when its condition no longer held (the stamping moved on,
 * or a retried call finds its own earlier write), which callers treat as done, not as an error.
 */
const updateIfStill = (input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> =>
  conditionalWrite(() => dynamo().send(new UpdateCommand(input)));

/** Stampings, and the one write that binds a serial to its document. */
export const stampingStore = {
  /**
   * Creates the record once. Its id is random and new, so an existing record is this same creation whose
   * response was lost on the way back: a retry finds it and succeeds.
   */
  async create(stamping: Stamping): Promise<void> {
    await conditionalWrite(() =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: {
            ...MainKeys.stamping(stamping.stampingId),
            ...stamping,
            purgeAt: purgeAt(stamping.createdAt),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  },

  async get(stampingId: string): Promise<Stamping | undefined> {
    const response = await storeCall(() =>
      dynamo().send(
        new GetCommand({ TableName: table(), Key: MainKeys.stamping(stampingId), ConsistentRead: true }),
      ),
    );
    return response.Item as Stamping | undefined;
  },

  /** AWAITING_UPLOAD → QUEUED; `false` when the stamping was already submitted (or has ended). */
  async queue(stampingId: string, at: string): Promise<boolean> {
    return updateIfStill({
      TableName: table(),
      Key: MainKeys.stamping(stampingId),
      UpdateExpression: 'SET #status = :queued, updatedAt = :at',
      ConditionExpression: '#status = :awaiting',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':queued': 'QUEUED', ':awaiting': 'AWAITING_UPLOAD', ':at': at },
    });
  },

  /**
   * A worker takes the stamping (QUEUED, or STAMPING left by a worker that died) and counts the attempt;
   * undefined when it has ended, so a redelivered message does nothing.
   */
  async claim(stampingId: string, at: string): Promise<Stamping | undefined> {
    try {
      const response = await storeCall(() =>
        dynamo().send(
          new UpdateCommand({
            TableName: table(),
            Key: MainKeys.stamping(stampingId),
            UpdateExpression: 'SET #status = :stamping, updatedAt = :at ADD attempts :one',
            ConditionExpression: '#status IN (:queued, :stamping)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ...WORKABLE, ':at': at, ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return response.Attributes as Stamping;
    } catch (error) {
      if (error instanceof ConditionFailed) return undefined;
      throw error;
    }
  },

  /** Ends an unfinished stamping FAILED; the serial is not touched (it stays SOLD). */
  async fail(
    stampingId: string,
    reason: StampingFailure,
    at: string,
    documentSha256?: string,
  ): Promise<void> {
    await updateIfStill({
      TableName: table(),
      Key: MainKeys.stamping(stampingId),
      UpdateExpression: `SET #status = :failed, reason = :reason, updatedAt = :at${documentSha256 ? ', documentSha256 = :sha' : ''}`,
      ConditionExpression: '#status IN (:queued, :stamping, :awaiting)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ...WORKABLE,
        ':awaiting': 'AWAITING_UPLOAD',
        ':failed': 'FAILED',
        ':reason': reason,
        ':at': at,
        ...(documentSha256 ? { ':sha': documentSha256 } : {}),
      },
    });
  },

  /**
   * The stamping is STAMPED with the output of `outputOf` (this stamping's own, or an earlier stamping's of
   * the same document), when the serial is already bound to this document.
   */
  async completeWithExisting(stampingId: string, binding: DocumentBinding, at: string): Promise<void> {
    await updateIfStill({
      TableName: table(),
      Key: MainKeys.stamping(stampingId),
      UpdateExpression:
        'SET #status = :stamped, updatedAt = :at, documentSha256 = :sha, signedDigestHex = :digest, stampedAt = :stampedAt, outputOf = :outputOf',
      ConditionExpression: '#status IN (:queued, :stamping)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ...WORKABLE,
        ':stamped': 'STAMPED',
        ':at': at,
        ':sha': binding.documentSha256,
        ':digest': binding.signedDigestHex,
        ':stampedAt': binding.at,
        ':outputOf': binding.stampingId,
      },
    });
  },

  /**
   * The one write that uses the stamp: binds the serial to the document on its order's slot (only if the
   * slot is empty), ends the stamping STAMPED and counts the affix on the stamp's shard, together.
   * `SLOT_TAKEN`: another document got the serial first; `NOT_CLAIMED`: the stamping already ended.
   */
  async bind(
    stamping: Pick<Stamping, 'stampingId' | 'orderId' | 'index' | 'resellerId' | 'shard'>,
    binding: DocumentBinding,
    pageNumber: number,
    /** The reseller's webhook event (stamping.completed), recorded in this same write. */
    extraItems: readonly Record<string, unknown>[] = [],
  ): Promise<'STAMPED' | 'SLOT_TAKEN' | 'NOT_CLAIMED'> {
    try {
      await transactWrite([
        {
          Update: {
            TableName: table(),
            Key: MainKeys.storefrontOrder(stamping.orderId),
            UpdateExpression: 'SET affixed.#slot = :binding',
            ConditionExpression: 'attribute_exists(fulfilledAt) AND attribute_not_exists(affixed.#slot)',
            ExpressionAttributeNames: { '#slot': stampSlot(stamping.index) },
            ExpressionAttributeValues: { ':binding': binding },
          },
        },
        {
          Update: {
            TableName: table(),
            Key: MainKeys.stamping(stamping.stampingId),
            UpdateExpression:
              'SET #status = :stamped, updatedAt = :at, documentSha256 = :sha, signedDigestHex = :digest, stampedAt = :at, outputOf = :self, pageNumber = :page',
            ConditionExpression: '#status = :stamping',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':stamped': 'STAMPED',
              ':stamping': 'STAMPING',
              ':at': binding.at,
              ':sha': binding.documentSha256,
              ':digest': binding.signedDigestHex,
              ':self': stamping.stampingId,
              ':page': pageNumber,
            },
          },
        },
        {
          Update: {
            TableName: table(),
            Key: MainKeys.stockShard(stamping.resellerId, stamping.shard),
            UpdateExpression: 'ADD affixed :one',
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
        ...extraItems,
      ]);
      return 'STAMPED';
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      return error.failedItemIndexes.includes(0) ? 'SLOT_TAKEN' : 'NOT_CLAIMED';
    }
  },
};
