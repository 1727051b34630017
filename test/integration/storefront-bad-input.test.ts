import { describe, expect, it } from 'vitest';
import { NIK_RULE_MESSAGES, type NikRule, nikViolation } from '../../lib/domain/nik.js';
import { useTestCloud } from '../support/cloud.js';
import {
  claimOf,
  countMainItems,
  isAccepted,
  placeOrder,
  readOrder,
  storefrontOrderItems,
  uniqueKey,
  validNik,
  waitForStatus,
} from '../support/flows.js';

/**
 * Bad input is refused with a 4xx that names the problem, before anything is written; other
 * people's orders are invisible (404, exactly as for an order that does not exist).
 */
const kuota = useTestCloud();

/** An object body gets the buyer's name and birth date beside its NIK, as every client sends them. */
const withClaim = (body: unknown): unknown => {
  if (!body || typeof body !== 'object' || Array.isArray(body) || 'fullName' in body) return body;
  const nik = (body as { nik?: unknown }).nik;
  const claim =
    typeof nik === 'string' && !nikViolation(nik)
      ? claimOf(nik)
      : { fullName: 'Siti Rahayu', birthDate: '1990-08-17' };
  return { ...claim, ...body };
};

const post = (body: unknown, options: { resellerId?: string; key?: string | null; raw?: string } = {}) =>
  kuota.api.post(`/v1/storefronts/${options.resellerId ?? 'R01'}/orders`, {
    headers: {
      'content-type': 'application/json',
      ...(options.key === null ? {} : { 'idempotency-key': options.key ?? uniqueKey('bad') }),
    },
    ...(options.raw !== undefined ? { rawBody: options.raw } : { body: withClaim(body) }),
  });

interface ErrorAnswer {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

const badNiks: [string, string, NikRule][] = [
  ['15 digits', '317401570890001', 'FORMAT'],
  ['17 digits', '31740157089000011', 'FORMAT'],
  ['letters', '31740157089000AB', 'FORMAT'],
  ['spaces', '3174 01570890001', 'FORMAT'],
  ['province 10', '1074015708900001', 'PROVINCE'],
  ['province 95', '9574015708900001', 'PROVINCE'],
  ['31 February (310299)', '3174013102990001', 'BIRTH_DATE'],
  ['day 72 (a woman born on the 32nd)', '3174017208900001', 'BIRTH_DATE'],
  ['month 13', '3174011513900001', 'BIRTH_DATE'],
  ['day 00', '3174010001900001', 'BIRTH_DATE'],
  ['serial 0000', '3174015708900000', 'SERIAL'],
];

const badQuantities: [string, unknown][] = [
  ['0', 0],
  ['-1', -1],
  ['10^9', 1_000_000_000],
  ['6 (over the per-order maximum)', 6],
  ['"1" (a string)', '1'],
  ['1.5', 1.5],
  ['null', null],
  ['true', true],
];

describe('bad input is refused and nothing is written', () => {
  it.each(badNiks)('refuses a NIK with %s: 400 naming body.nik and the rule', async (_label, nik, rule) => {
    // Arrange
    const before = await countMainItems(kuota);

    // Act
    const answer = await post({ nik, quantity: 1 });

    // Assert
    expect(answer.status).toBe(400);
    const body = answer.body as unknown as ErrorAnswer;
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.issues).toEqual([{ path: 'body.nik', message: NIK_RULE_MESSAGES[rule] }]);
    expect(answer.text).not.toContain(nik);
    expect(await countMainItems(kuota)).toBe(before);
  });

  it.each(badQuantities)('refuses quantity %s: 400 naming body.quantity', async (_label, quantity) => {
    // Arrange
    const before = await countMainItems(kuota);

    // Act
    const answer = await post({ nik: validNik(1), quantity });

    // Assert
    expect(answer.status).toBe(400);
    const body = answer.body as unknown as ErrorAnswer;
    expect(body.error.issues?.map((issue) => issue.path)).toEqual(['body.quantity']);
    expect(await countMainItems(kuota)).toBe(before);
  });

  it.each([
    ['a missing nik', { quantity: 1 }, ['body.nik']],
    ['a missing quantity', { nik: validNik(2) }, ['body.quantity']],
    ['an empty object', {}, ['body.nik', 'body.quantity']],
    ['a NIK sent as a number', { nik: 3174015708900001, quantity: 1 }, ['body.nik']],
    ['an unknown field', { nik: validNik(3), quantity: 1, price: 1 }, ['body.price']],
    ['an array', [{ nik: validNik(4), quantity: 1 }], ['body']],
  ])('refuses %s: 400 naming the fields', async (_label, body, paths) => {
    // Arrange
    const before = await countMainItems(kuota);

    // Act
    const answer = await post(body);

    // Assert
    expect(answer.status).toBe(400);
    const error = (answer.body as unknown as ErrorAnswer).error;
    expect(error.issues?.map((issue) => issue.path).sort()).toEqual([...paths].sort());
    expect(await countMainItems(kuota)).toBe(before);
  });

  it('refuses a body over 16 KiB (413), malformed JSON (400), another media type (415), no Idempotency-Key (400)', async () => {
    // Arrange
    const before = await countMainItems(kuota);
    const huge = JSON.stringify({ nik: validNik(5), quantity: 1, padding: 'x'.repeat(17 * 1024) });

    // Act
    const tooLarge = await post(undefined, { raw: huge });
    const malformed = await post(undefined, { raw: '{"nik": "3174015708900001", "quantity": 1' });
    const notJson = await kuota.api.post('/v1/storefronts/R01/orders', {
      rawBody: 'nik=3174015708900001&quantity=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': uniqueKey('form') },
    });
    const noKey = await post({ nik: validNik(6), quantity: 1 }, { key: null });
    const badKey = await post({ nik: validNik(6), quantity: 1 }, { key: 'short' });

    // Assert
    expect(Buffer.byteLength(huge)).toBeGreaterThan(16 * 1024);
    expect(tooLarge.status).toBe(413);
    expect(malformed.status).toBe(400);
    expect((malformed.body as unknown as ErrorAnswer).error.code).toBe('MALFORMED_JSON');
    expect(notJson.status).toBe(415);
    expect(noKey.status).toBe(400);
    expect((noKey.body as unknown as ErrorAnswer).error.issues?.[0]?.path).toBe('headers.idempotency-key');
    expect(badKey.status).toBe(400);
    expect(await countMainItems(kuota)).toBe(before);
  });

  it('answers 404 for an unknown storefront and 400 for a malformed reseller id, writing no order', async () => {
    // Arrange
    const before = (await storefrontOrderItems(kuota)).length;

    // Act
    const unknown = await post({ nik: validNik(7), quantity: 1 }, { resellerId: 'R27' });
    const malformed = await post({ nik: validNik(7), quantity: 1 }, { resellerId: 'shop' });
    const offer = await kuota.api.get('/v1/storefronts/R99/offer');

    // Assert
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(offer.status).toBe(404);
    expect((await storefrontOrderItems(kuota)).length).toBe(before);
  });

  it('answers 403 RESELLER_SUSPENDED at a suspended reseller’s storefront, writing no order', async () => {
    // Arrange
    const suspended = await kuota.api.post('/v1/regulator/vendors/R05/suspend', {
      apiKey: kuota.credentials.regulatorKey,
    });
    const before = (await storefrontOrderItems(kuota)).length;

    // Act
    const answer = await post({ nik: validNik(8), quantity: 1 }, { resellerId: 'R05' });
    const offer = await kuota.api.get('/v1/storefronts/R05/offer');

    // Assert
    expect(suspended.status).toBe(200);
    expect(answer.status).toBe(403);
    expect((answer.body as unknown as ErrorAnswer).error.code).toBe('RESELLER_SUSPENDED');
    expect(offer.body).toMatchObject({ status: 'SUSPENDED' });
    expect((await storefrontOrderItems(kuota)).length).toBe(before);
  });
});

describe('order tokens and idempotency', () => {
  it('answers 404 without the right Order-Token, exactly as for an order that does not exist', async () => {
    // Arrange
    const mine = await placeOrder(kuota, 'R01', validNik(9), 1);
    const theirs = await placeOrder(kuota, 'R01', validNik(10), 1);
    await waitForStatus(kuota, mine.body, ['REJECTED']);

    // Act
    const right = await readOrder(kuota, mine.body);
    const missing = await kuota.api.get(mine.body.statusUrl);
    const wrong = await kuota.api.get(mine.body.statusUrl, { headers: { 'order-token': 'x'.repeat(43) } });
    const someoneElses = await kuota.api.get(mine.body.statusUrl, {
      headers: { 'order-token': theirs.body.orderToken },
    });
    const otherStorefront = await kuota.api.get(mine.body.statusUrl.replace('/R01/', '/R02/'), {
      headers: { 'order-token': mine.body.orderToken },
    });
    const nonexistent = await kuota.api.get(`/v1/storefronts/R01/orders/SO_${'0'.repeat(21)}`, {
      headers: { 'order-token': mine.body.orderToken },
    });

    // Assert
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ orderId: mine.body.orderId, status: 'REJECTED', reason: 'SOLD_OUT' });
    for (const answer of [missing, wrong, someoneElses, otherStorefront, nonexistent]) {
      expect(answer.status).toBe(404);
      expect((answer.body as unknown as ErrorAnswer).error.code).toBe('NOT_FOUND');
    }
    expect(missing.body.error).toEqual({
      ...(nonexistent.body.error as object),
      requestId: expect.any(String),
    });
  });

  it('answers a retried Idempotency-Key with the same answer, and 409 when the body differs', async () => {
    // Arrange
    const key = uniqueKey('idem');
    const nik = validNik(11);
    const before = (await storefrontOrderItems(kuota)).length;

    // Act
    const first = await placeOrder(kuota, 'R01', nik, 2, key);
    const replays = await Promise.all([1, 2, 3].map(() => placeOrder(kuota, 'R01', nik, 2, key)));
    const otherQuantity = await placeOrder(kuota, 'R01', nik, 3, key);
    const otherNik = await placeOrder(kuota, 'R01', validNik(12), 2, key);
    const after = (await storefrontOrderItems(kuota)).length;

    // Assert
    expect(isAccepted(first.status)).toBe(true);
    for (const replay of replays) {
      expect(replay.status).toBe(first.status);
      expect(replay.body).toEqual(first.body);
    }
    for (const conflict of [otherQuantity, otherNik]) {
      expect(conflict.status).toBe(409);
      expect((conflict.body as unknown as ErrorAnswer).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    expect(after - before).toBe(1);
  });

  it('answers concurrent first uses of one Idempotency-Key with one order', async () => {
    // Arrange
    const key = uniqueKey('race');
    const before = (await storefrontOrderItems(kuota)).length;

    // Act
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => placeOrder(kuota, 'R01', validNik(13), 1, key)),
    );

    // Assert
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => answers[0]?.status));
    expect(new Set(answers.map((answer) => answer.body.orderId)).size).toBe(1);
    expect(new Set(answers.map((answer) => answer.body.orderToken)).size).toBe(1);
    expect((await storefrontOrderItems(kuota)).length - before).toBe(1);
  });
});
