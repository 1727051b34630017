import { apiKeyStore, type StoredResellerKey } from '../adapters/api-key-store.js';
import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { resellerStore } from '../adapters/reseller-store.js';
import {
  apiKeyStatus,
  apiKeyWorks,
  hashApiKey,
  MAX_WORKING_KEYS_PER_RESELLER,
  newApiKey,
  rotatedExpiry,
} from '../domain/api-keys.js';
import { ConcurrentUpdateError, DomainError, NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/identifiers.js';
import { MainKeys } from '../infra/resources.js';

/**
 * The regulator's management of reseller API keys: issue, rotate with an overlap, revoke; each audited.
 * A revoked or expired key stops at the authorizer within its cache time (10 s).
 */

const KEY_ID_PATTERN = /^KY_[0-9A-HJKMNP-TV-Z]{26}$/;

const keyView = (key: StoredResellerKey, now: Date) => ({
  ...apiKeyStore.viewOf(key),
  status: apiKeyStatus(key, now),
});

const requireReseller = async (resellerId: string) => {
  const reseller = await withStoreRetries(() => resellerStore.getReseller(resellerId));
  if (!reseller) throw new NotFoundError('reseller');
};

/** Every key of a reseller that still works (bounded: at most MAX_WORKING_KEYS_PER_RESELLER exist). */
const workingKeys = async (resellerId: string, now: Date): Promise<StoredResellerKey[]> => {
  const working: StoredResellerKey[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await withStoreRetries(() => apiKeyStore.listResellerKeys(resellerId, 100, cursor));
    working.push(...page.keys.filter((key) => apiKeyWorks(key, now)));
    cursor = page.cursor;
  } while (cursor);
  return working;
};

const audit = (regulatorId: string, action: string, resellerId: string, at: Date, details: object) => ({
  record: {
    at: at.toISOString(),
    actor: `regulator:${regulatorId}`,
    action,
    resellerId,
    details: { ...details },
  },
  auditId: newId('AU', at),
});

const newKey = (resellerId: string, now: Date) => {
  const apiKey = newApiKey('reseller');
  const key: StoredResellerKey = {
    keyId: newId('KY', now),
    resellerId,
    apiKeyHash: hashApiKey(apiKey),
    createdAt: now.toISOString(),
  };
  return { apiKey, key };
};

export const listResellerKeys = async (
  resellerId: string,
  query: { limit: number; cursor?: string },
  now: Date,
) => {
  await requireReseller(resellerId);
  const page = await withStoreRetries(() =>
    apiKeyStore.listResellerKeys(
      resellerId,
      query.limit,
      query.cursor ? decodeKeyCursor(resellerId, query.cursor) : undefined,
    ),
  );
  const last = page.cursor ? String(page.cursor.sk).slice(MainKeys.resellerApiKeyPrefix.length) : undefined;
  return {
    keys: page.keys.map((key) => keyView(key, now)),
    ...(last ? { nextCursor: Buffer.from(last, 'utf8').toString('base64url') } : {}),
  };
};

const decodeKeyCursor = (resellerId: string, cursor: string) => {
  const keyId = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!KEY_ID_PATTERN.test(keyId))
    throw new DomainError('VALIDATION_FAILED', 'the cursor is not one this API returned', [
      { path: 'query.cursor', message: 'must be a cursor returned by a previous page' },
    ]);
  return MainKeys.resellerApiKey(resellerId, keyId);
};

const refuseOverLimit = (working: number) => {
  if (working >= MAX_WORKING_KEYS_PER_RESELLER)
    throw new DomainError(
      'KEY_LIMIT_REACHED',
      `a reseller may hold at most ${MAX_WORKING_KEYS_PER_RESELLER} working keys; revoke one first`,
      [],
      { maxWorkingKeys: MAX_WORKING_KEYS_PER_RESELLER },
    );
};

/** An additional key; the reseller's other keys keep working. The key is in this answer only. */
export const issueResellerKey = async (regulatorId: string, resellerId: string, now: Date) => {
  await requireReseller(resellerId);
  refuseOverLimit((await workingKeys(resellerId, now)).length);
  const { apiKey, key } = newKey(resellerId, now);
  const outcome = await withStoreRetries(() =>
    apiKeyStore.issueResellerKey({
      key,
      audit: audit(regulatorId, 'API_KEY_ISSUED', resellerId, now, { keyId: key.keyId }),
    }),
  );
  if (outcome !== 'ISSUED') throw new ConcurrentUpdateError('the reseller’s keys');
  return { apiKey, key: keyView(key, now) };
};

/**
 * A new key, and every other working key of the reseller stops after the overlap (an earlier expiry is
 * kept). If a key changes between the read and the write, the rotation is read and tried again.
 */
export const rotateResellerKeys = async (
  regulatorId: string,
  resellerId: string,
  overlapSeconds: number,
  now: Date,
) => {
  await requireReseller(resellerId);
  for (let attempt = 0; attempt < 3; attempt++) {
    const working = await workingKeys(resellerId, now);
    refuseOverLimit(working.length);
    const replacing = working.map((key) => ({ key, expiresAt: rotatedExpiry(key, now, overlapSeconds) }));
    const { apiKey, key } = newKey(resellerId, now);
    const outcome = await withStoreRetries(() =>
      apiKeyStore.issueResellerKey({
        key,
        replacing,
        audit: audit(regulatorId, 'API_KEY_ROTATED', resellerId, now, {
          keyId: key.keyId,
          overlapSeconds,
          replaced: replacing.map((replaced) => ({
            keyId: replaced.key.keyId,
            expiresAt: replaced.expiresAt,
          })),
        }),
      }),
    );
    if (outcome === 'ISSUED')
      return {
        apiKey,
        key: keyView(key, now),
        replaced: replacing.map((replaced) =>
          keyView({ ...replaced.key, expiresAt: replaced.expiresAt }, now),
        ),
      };
  }
  throw new ConcurrentUpdateError('the reseller’s keys');
};

/** Ends a key now. Revoking a revoked key answers the same (and records nothing new). */
export const revokeResellerKey = async (
  regulatorId: string,
  resellerId: string,
  keyId: string,
  now: Date,
) => {
  const outcome = await withStoreRetries(() =>
    apiKeyStore.revokeResellerKey(
      resellerId,
      keyId,
      now.toISOString(),
      audit(regulatorId, 'API_KEY_REVOKED', resellerId, now, { keyId }),
    ),
  );
  if (outcome === 'NOT_FOUND') throw new NotFoundError('key');
  const key = await withStoreRetries(() => apiKeyStore.getResellerKey(resellerId, keyId));
  if (!key) throw new NotFoundError('key');
  return keyView(key, now);
};
