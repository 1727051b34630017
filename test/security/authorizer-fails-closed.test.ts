import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { hashApiKey, newApiKey } from '../../lib/domain/api-keys.js';
import { principalOfKeyRecord } from '../../lib/domain/principal.js';
import { AUTHORIZER_CACHE_SECONDS } from '../../lib/infra/functions.js';
import { MainKeys } from '../../lib/infra/resources.js';
import { useTestCloud } from '../support/cloud.js';
import { documents } from '../support/flows.js';

/**
 * The authorizer fails closed: a key whose record names a role it does not know, or lacks the id its role
 * needs, or was revoked, is a 401 on every route, never the regulator (it used to treat any role other
 * than `reseller` as the regulator).
 */
const kuota = useTestCloud();

const keyWithRecord = async (record: Record<string, unknown>) => {
  const apiKey = newApiKey('regulator');
  await documents(kuota).send(
    new PutCommand({
      TableName: kuota.cloud.tables.main,
      Item: { ...MainKeys.apiKey(hashApiKey(apiKey)), entity: 'ApiKey', ...record },
    }),
  );
  return apiKey;
};

describe('the authorizer', () => {
  it.each([
    ['an unknown role', { role: 'admin', regulatorId: 'ojk' }],
    ['no role', { regulatorId: 'ojk' }],
    ['a reseller key without its reseller', { role: 'reseller' }],
    ['a reseller key with a malformed reseller id', { role: 'reseller', resellerId: 'R1; DROP' }],
    ['a regulator key without its regulator', { role: 'regulator' }],
    ['a revoked regulator key', { role: 'regulator', regulatorId: 'ojk', revokedAt: '2026-11-30T00:00:00Z' }],
  ])('answers 401 to %s, on regulator and reseller routes alike', async (_label, record) => {
    // Arrange
    const apiKey = await keyWithRecord(record);

    // Act
    const regulator = await kuota.api.get('/v1/regulator/vendors', { apiKey });
    const reseller = await kuota.api.get('/v1/wholesale/stock', { apiKey });

    // Assert
    expect(regulator.status).toBe(401);
    expect(reseller.status).toBe(401);
    // As API Gateway's gateway responses: the API's error shape, with the request's id to find it in logs.
    expect(regulator.body).toMatchObject({
      error: { code: 'UNAUTHENTICATED', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
  });

  it('stops a revoked key once the authorizer’s cached answer lapses (AUTHORIZER_CACHE_SECONDS, 10 s)', {
    timeout: 30_000,
  }, async () => {
    // Arrange: a working key, used once so its answer is cached.
    const record = { role: 'regulator', regulatorId: 'ojk-revoked' };
    const apiKey = await keyWithRecord(record);
    const before = await kuota.api.get('/v1/regulator/vendors', { apiKey });

    // Act: revoke it in the key table, then wait out the cache.
    await documents(kuota).send(
      new PutCommand({
        TableName: kuota.cloud.tables.main,
        Item: {
          ...MainKeys.apiKey(hashApiKey(apiKey)),
          entity: 'ApiKey',
          ...record,
          revokedAt: new Date().toISOString(),
        },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, (AUTHORIZER_CACHE_SECONDS + 1) * 1000));
    const after = await kuota.api.get('/v1/regulator/vendors', { apiKey });

    // Assert
    expect(before.status).toBe(200);
    expect(after.status).toBe(401);
  });

  it('still lets a well-formed regulator key in', async () => {
    // Arrange
    const apiKey = await keyWithRecord({ role: 'regulator', regulatorId: 'ojk' });

    // Act
    const answer = await kuota.api.get('/v1/regulator/vendors', { apiKey });

    // Assert
    expect(answer.status).toBe(200);
  });
});

describe('principalOfKeyRecord', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  it('names only well-formed reseller and regulator records', () => {
    expect(principalOfKeyRecord({ role: 'reseller', resellerId: 'R07' }, now)).toEqual({
      role: 'reseller',
      resellerId: 'R07',
    });
    expect(principalOfKeyRecord({ role: 'regulator', regulatorId: 'ojk' }, now)).toEqual({
      role: 'regulator',
      regulatorId: 'ojk',
    });
    // A rotated key works until its overlap ends, and not after.
    expect(
      principalOfKeyRecord({ role: 'reseller', resellerId: 'R07', expiresAt: '2026-12-01T10:00:01Z' }, now),
    ).toEqual({ role: 'reseller', resellerId: 'R07' });
    for (const record of [
      undefined,
      null,
      'x',
      {},
      { role: 'root' },
      { role: 'reseller', resellerId: 'R100' },
      { role: 'reseller', resellerId: 'R07', expiresAt: '2026-12-01T10:00:00Z' },
      { role: 'reseller', resellerId: 'R07', expiresAt: 12 },
      { role: 'reseller', resellerId: 'R07', expiresAt: 'tomorrow' },
    ])
      expect(principalOfKeyRecord(record, now)).toBeUndefined();
  });
});
