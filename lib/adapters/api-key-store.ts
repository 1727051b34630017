import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { config } from '../config.js';
import type { ApiKeyRecord } from '../domain/api-keys.js';
import { MainKeys } from '../infra/resources.js';
import { type AuditRecord, auditPut } from './audit-store.js';
import { dynamo } from './aws-clients.js';
import { ConditionFailed, conditionalWrite, storeCall } from './dynamo-errors.js';
import { queryPage } from './partition-query.js';
import { transactWrite } from './transact.js';

const table = () => config().mainTable;

/** A reseller's key as the regulator sees it: never the key, never its hash. */
export interface ResellerKey {
  readonly keyId: string;
  readonly resellerId: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
}

const StoredResellerKey = z.object({
  keyId: z.string(),
  resellerId: z.string(),
  apiKeyHash: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
});
type StoredResellerKey = z.infer<typeof StoredResellerKey>;

const viewOf = ({ apiKeyHash: _hash, ...key }: StoredResellerKey): ResellerKey => key;

/** Both items of one reseller key, set to the same new values under the same condition. */
const updateBoth = (
  key: StoredResellerKey,
  set: { expiresAt?: string; revokedAt?: string },
  condition: string,
  values: Record<string, unknown> = {},
) => {
  const names = Object.keys(set);
  const update = {
    UpdateExpression: `SET ${names.map((name) => `${name} = :${name}`).join(', ')}`,
    ConditionExpression: condition,
    ExpressionAttributeValues: {
      ...Object.fromEntries(Object.entries(set).map(([name, value]) => [`:${name}`, value])),
      ...values,
    },
  };
  return [
    { Update: { TableName: table(), Key: MainKeys.apiKey(key.apiKeyHash), ...update } },
    { Update: { TableName: table(), Key: MainKeys.resellerApiKey(key.resellerId, key.keyId), ...update } },
  ];
};

/**
 * API keys: one item per key under its hash (what the authorizer reads, one GetItem), and for a reseller's
 * keys a second item under the reseller by the key's public id (what the regulator lists and acts on). The
 * two change together, with the regulator's audit record, or not at all.
 */
export const apiKeyStore = {
  async get(apiKeyHash: string): Promise<ApiKeyRecord | undefined> {
    const result = await storeCall(() =>
      dynamo().send(new GetCommand({ TableName: table(), Key: MainKeys.apiKey(apiKeyHash) })),
    );
    return result.Item as ApiKeyRecord | undefined;
  },

  /** A regulator's own key (seeded; not listed under any reseller). */
  async putRegulatorKey(apiKeyHash: string, regulatorId: string, createdAt: string): Promise<void> {
    try {
      await transactWrite([
        {
          Put: {
            TableName: table(),
            Item: {
              ...MainKeys.apiKey(apiKeyHash),
              entity: 'ApiKey',
              role: 'regulator',
              regulatorId,
              createdAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
    } catch (error) {
      // A retry of a write whose response was lost finds its own item: that is success. The hash is of 256
      // random bits, so an item under it naming this regulator is this very key.
      if (!(error instanceof ConditionFailed)) throw error;
      const existing = await apiKeyStore.get(apiKeyHash);
      if (existing?.role !== 'regulator' || existing.regulatorId !== regulatorId) throw error;
    }
  },

  /**
   * A new reseller key; with `replacing`, those keys (still working) stop at `replacedExpiresAt` (a
   * rotation's overlap). A replaced key revoked or changed meanwhile cancels the whole rotation
   * (`CHANGED_CONCURRENTLY`): the caller reads again and retries.
   */
  async issueResellerKey(input: {
    readonly key: StoredResellerKey;
    readonly replacing?: readonly { key: StoredResellerKey; expiresAt: string }[];
    readonly audit?: { record: AuditRecord; auditId: string };
  }): Promise<'ISSUED' | 'CHANGED_CONCURRENTLY'> {
    const { key } = input;
    try {
      await transactWrite([
        {
          Put: {
            TableName: table(),
            Item: {
              ...MainKeys.apiKey(key.apiKeyHash),
              entity: 'ApiKey',
              role: 'reseller',
              resellerId: key.resellerId,
              keyId: key.keyId,
              createdAt: key.createdAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: table(),
            Item: { ...MainKeys.resellerApiKey(key.resellerId, key.keyId), entity: 'ResellerApiKey', ...key },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...(input.replacing ?? []).flatMap((replaced) =>
          updateBoth(
            replaced.key,
            { expiresAt: replaced.expiresAt },
            // Unchanged since it was read: not revoked, and the same expiry (or none).
            replaced.key.expiresAt === undefined
              ? 'attribute_not_exists(revokedAt) AND attribute_not_exists(expiresAt)'
              : 'attribute_not_exists(revokedAt) AND expiresAt = :readExpiry',
            replaced.key.expiresAt === undefined ? {} : { ':readExpiry': replaced.key.expiresAt },
          ),
        ),
        ...(input.audit ? [auditPut(input.audit.record, input.audit.auditId)] : []),
      ]);
      return 'ISSUED';
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      // A retry of this very transaction whose response was lost finds the new key already there: issued.
      const existing = await apiKeyStore.getResellerKey(key.resellerId, key.keyId);
      return existing?.apiKeyHash === key.apiKeyHash ? 'ISSUED' : 'CHANGED_CONCURRENTLY';
    }
  },

  /** Ends a key at once (both items), with the audit record. */
  async revokeResellerKey(
    resellerId: string,
    keyId: string,
    revokedAt: string,
    audit: { record: AuditRecord; auditId: string },
  ): Promise<'REVOKED' | 'NOT_FOUND' | 'ALREADY_REVOKED'> {
    const key = await apiKeyStore.getResellerKey(resellerId, keyId);
    if (!key) return 'NOT_FOUND';
    if (key.revokedAt) return 'ALREADY_REVOKED';
    const revoked = await conditionalWrite(() =>
      transactWrite([
        ...updateBoth(key, { revokedAt }, 'attribute_not_exists(revokedAt)'),
        auditPut(audit.record, audit.auditId),
      ]),
    );
    return revoked ? 'REVOKED' : 'ALREADY_REVOKED';
  },

  async getResellerKey(resellerId: string, keyId: string): Promise<StoredResellerKey | undefined> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({
          TableName: table(),
          Key: MainKeys.resellerApiKey(resellerId, keyId),
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item ? StoredResellerKey.parse(result.Item) : undefined;
  },

  /** A reseller's keys, newest first (key ids sort by time), a bounded page at a time. */
  async listResellerKeys(
    resellerId: string,
    limit: number,
    cursor?: Record<string, unknown>,
  ): Promise<{ keys: StoredResellerKey[]; cursor?: Record<string, unknown> }> {
    const page = await queryPage(
      {
        partition: MainKeys.resellerProfile(resellerId).pk,
        sortKeyPrefix: MainKeys.resellerApiKeyPrefix,
        newestFirst: true,
        consistent: true,
      },
      limit,
      cursor,
    );
    return {
      keys: page.items.map((item) => StoredResellerKey.parse(item)),
      ...(page.next ? { cursor: page.next } : {}),
    };
  },

  viewOf,
};

export type { StoredResellerKey };
