import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditList,
  ErrorBody,
  IssuedResellerKey,
  ResellerKeyList,
  ResellerKeyView,
  RotatedResellerKeys,
} from '../../lib/api/schemas.js';
import { MAX_WORKING_KEYS_PER_RESELLER } from '../../lib/domain/api-keys.js';
import { AUTHORIZER_CACHE_SECONDS } from '../../lib/infra/functions.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';

/**
 * The regulator issues, rotates (with an overlap) and revokes reseller keys through the API, each audited;
 * a revoked key, or a replaced one whose overlap is over, stops within the authorizer's cache time (10 s).
 * The key itself is in the issuing answer only: no listing, audit record or log shows it or its hash.
 */
let kuota: TestCloud;
let regulatorKey: string;
beforeAll(async () => {
  kuota = await startTestCloud();
  regulatorKey = kuota.credentials.regulatorKey;
});
afterAll(async () => {
  await kuota?.stop();
});

const stockWith = (apiKey: string) => kuota.api.get('/v1/wholesale/stock', { apiKey });
const outlastCache = () =>
  new Promise((resolve) => setTimeout(resolve, (AUTHORIZER_CACHE_SECONDS + 1) * 1000));
const keysOf = async (resellerId: string) => {
  const answer = await kuota.api.get(`/v1/regulator/vendors/${resellerId}/keys`, { apiKey: regulatorKey });
  expect(answer.status).toBe(200);
  return ResellerKeyList.parse(answer.body).keys;
};

describe('reseller keys, managed by the regulator', () => {
  it('issues, rotates with an overlap and revokes, each effective within 10 s and audited', {
    timeout: 60_000,
  }, async () => {
    // Arrange: R02's seeded key works and is listed.
    const seeded = kuota.credentials.resellers[1];
    if (!seeded) throw new Error('no seeded R02');
    expect((await stockWith(seeded.apiKey)).status).toBe(200);
    const [seededKey] = await keysOf('R02');
    expect(seededKey?.status).toBe('ACTIVE');

    // Act 1: issue an additional key.
    const issued = await kuota.api.post('/v1/regulator/vendors/R02/keys', { apiKey: regulatorKey });
    // Act 2: rotate with a one-hour overlap: a third key; the first two keep working, now EXPIRING.
    const rotated = await kuota.api.post('/v1/regulator/vendors/R02/key-rotations', {
      apiKey: regulatorKey,
      body: { overlapSeconds: 3600 },
    });

    // Assert 1 and 2
    expect(issued.status).toBe(201);
    const issuedKey = IssuedResellerKey.strict().parse(issued.body);
    expect(issuedKey.key).toMatchObject({ resellerId: 'R02', status: 'ACTIVE' });
    expect((await stockWith(issuedKey.apiKey)).status).toBe(200);
    expect(rotated.status).toBe(201);
    const rotation = RotatedResellerKeys.strict().parse(rotated.body);
    expect(rotation.replaced.map((key) => key.keyId).sort()).toEqual(
      [seededKey?.keyId, issuedKey.key.keyId].sort(),
    );
    for (const replaced of rotation.replaced) {
      expect(replaced.status).toBe('EXPIRING');
      expect(Date.parse(replaced.expiresAt ?? '') - Date.now()).toBeGreaterThan(3500_000);
    }
    expect((await stockWith(rotation.apiKey)).status).toBe(200);
    expect((await stockWith(seeded.apiKey)).status).toBe(200);

    // Act 3: rotate again with no overlap, and revoke the key issued in step 1.
    const cutOver = await kuota.api.post('/v1/regulator/vendors/R02/key-rotations', {
      apiKey: regulatorKey,
      body: { overlapSeconds: 0 },
    });
    const finalKey = RotatedResellerKeys.parse(cutOver.body);
    const revoked = await kuota.api.post(`/v1/regulator/vendors/R02/keys/${issuedKey.key.keyId}/revoke`, {
      apiKey: regulatorKey,
    });
    const revokedAgain = await kuota.api.post(
      `/v1/regulator/vendors/R02/keys/${issuedKey.key.keyId}/revoke`,
      { apiKey: regulatorKey },
    );
    await outlastCache();

    // Assert 3: only the newest key works; the list says why each other stopped.
    expect(cutOver.status).toBe(201);
    expect(revoked.status).toBe(200);
    expect(ResellerKeyView.strict().parse(revoked.body).status).toBe('REVOKED');
    expect(revokedAgain.status).toBe(200);
    expect((await stockWith(finalKey.apiKey)).status).toBe(200);
    for (const stopped of [seeded.apiKey, issuedKey.apiKey, rotation.apiKey])
      expect((await stockWith(stopped)).status).toBe(401);
    const statuses = Object.fromEntries((await keysOf('R02')).map((key) => [key.keyId, key.status]));
    expect(statuses).toEqual({
      [seededKey?.keyId ?? '']: 'EXPIRED',
      [issuedKey.key.keyId]: 'REVOKED',
      [rotation.key.keyId]: 'EXPIRED',
      [finalKey.key.keyId]: 'ACTIVE',
    });
    // Other resellers' keys are untouched.
    expect((await stockWith(kuota.credentials.resellers[2]?.apiKey ?? '')).status).toBe(200);

    // Assert: audited, once per action, naming the key id and never the key or its hash.
    const audit = await kuota.api.get('/v1/regulator/audit', { apiKey: regulatorKey });
    const actions = AuditList.parse(audit.body)
      .records.filter((record) => record.resellerId === 'R02')
      .map((record) => record.action)
      .sort();
    expect(actions).toEqual(['API_KEY_ISSUED', 'API_KEY_REVOKED', 'API_KEY_ROTATED', 'API_KEY_ROTATED']);
    for (const secret of [issuedKey.apiKey, rotation.apiKey, finalKey.apiKey]) {
      expect(audit.text).not.toContain(secret);
    }
    expect(audit.text).not.toMatch(/apiKeyHash|[0-9a-f]{64}/);
  });

  it('lets only the regulator manage keys, and no reseller see or touch another’s', async () => {
    // Arrange
    const reseller = kuota.credentials.resellers[3];
    if (!reseller) throw new Error('no seeded R04');

    // Act
    const answers = await Promise.all([
      kuota.api.get('/v1/regulator/vendors/R04/keys', { apiKey: reseller.apiKey }),
      kuota.api.post('/v1/regulator/vendors/R05/keys', { apiKey: reseller.apiKey }),
      kuota.api.post('/v1/regulator/vendors/R04/key-rotations', { apiKey: reseller.apiKey, body: {} }),
      kuota.api.post('/v1/regulator/vendors/R05/keys', {}),
    ]);

    // Assert
    expect(answers.map((answer) => answer.status)).toEqual([403, 403, 403, 401]);
    expect((await keysOf('R05')).length).toBe(1);
  });

  it('names the field and the rule for bad input, 404 for an unknown key, 409 past the working-key limit', async () => {
    // Act
    const overlong = await kuota.api.post('/v1/regulator/vendors/R06/key-rotations', {
      apiKey: regulatorKey,
      body: { overlapSeconds: 30 * 86_400 },
    });
    const badKeyId = await kuota.api.post('/v1/regulator/vendors/R06/keys/not-a-key/revoke', {
      apiKey: regulatorKey,
    });
    const unknownKey = await kuota.api.post(`/v1/regulator/vendors/R06/keys/KY_${'0'.repeat(26)}/revoke`, {
      apiKey: regulatorKey,
    });
    const unknownReseller = await kuota.api.post('/v1/regulator/vendors/R99/keys', { apiKey: regulatorKey });
    const issues = [];
    for (let i = 0; i < MAX_WORKING_KEYS_PER_RESELLER; i++)
      issues.push(await kuota.api.post('/v1/regulator/vendors/R06/keys', { apiKey: regulatorKey }));

    // Assert
    expect(overlong.status).toBe(400);
    expect(ErrorBody.parse(overlong.body).error.issues).toEqual([
      expect.objectContaining({ path: 'body.overlapSeconds' }),
    ]);
    expect(badKeyId.status).toBe(400);
    expect(JSON.stringify(badKeyId.body)).toContain('path.keyId');
    expect(unknownKey.status).toBe(404);
    expect(unknownReseller.status).toBe(404);
    // R06 had its seeded key: 4 more are issued, the 5th would be one too many.
    expect(issues.map((answer) => answer.status)).toEqual([
      ...Array(MAX_WORKING_KEYS_PER_RESELLER - 1).fill(201),
      409,
    ]);
    expect(ErrorBody.parse(issues.at(-1)?.body).error.code).toBe('KEY_LIMIT_REACHED');
    expect((await keysOf('R06')).length).toBe(MAX_WORKING_KEYS_PER_RESELLER);
  });
});
