import { describe, expect, it } from 'vitest';
import { useTestCloud } from '../support/cloud.js';
import {
  createOrder,
  type ErrorResponseBody,
  getOrder,
  itemsWithPkPrefix,
  mustCreateOrder,
  payInSandbox,
  quotaOrderItems,
  resellerAt,
} from './quota-orders-support.js';

/** Idempotency-Key semantics, authentication (401), roles (403) and reseller isolation (404). */
const kuota = useTestCloud();

describe('Idempotency-Key', () => {
  it('answers a retry with the same key and body with the same 201 answer and creates one order', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 0);
    const first = await createOrder(kuota, reseller, 12, 'idem-same-0001');

    // Act
    const retry = await kuota.api.post('/v1/wholesale/quota-orders', {
      apiKey: reseller.apiKey,
      headers: { 'idempotency-key': 'idem-same-0001', 'content-type': 'application/json' },
      rawBody: '{ "quantity" : 12 }',
    });

    // Assert
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const stored = (await quotaOrderItems(kuota)).filter((item) => item.id === first.body.id);
    expect(stored).toHaveLength(1);
  });

  it('answers 409 IDEMPOTENCY_KEY_REUSED when the same key comes with another body, changing nothing', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 1);
    const first = await createOrder(kuota, reseller, 5, 'idem-other-0001');

    // Act
    const reused = await createOrder(kuota, reseller, 6, 'idem-other-0001');

    // Assert
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const view = await getOrder(kuota, reseller, first.body.id);
    expect(view.body).toMatchObject({ quantity: 5, amountIdr: 50_000, billingCode: first.body.billingCode });
  });

  it('creates exactly one order and one billing for 20 concurrent requests with one key', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 2);
    const ordersBefore = (await quotaOrderItems(kuota)).length;

    // Act
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => createOrder(kuota, reseller, 7, 'idem-race-0001')),
    );

    // Assert
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(201));
    const first = responses[0]?.body;
    for (const response of responses) expect(response.body).toEqual(first);
    expect((await quotaOrderItems(kuota)).length).toBe(ordersBefore + 1);
    const billings = (await itemsWithPkPrefix(kuota, 'sandbox', 'TA_REFERENCE#')).filter(
      (item) => item.pk === `TA_REFERENCE#${first?.id}`,
    );
    expect(billings).toHaveLength(1);
    expect(billings[0]?.billingCode).toBe(first?.billingCode);
  });

  it('still gives the first answer for a retried key after the order was paid', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 3);
    const first = await mustCreateOrder(kuota, reseller, 1, 'idem-after-pay-0001');
    await payInSandbox(kuota, first.billingCode, first.amountIdr);

    // Act
    const retry = await createOrder(kuota, reseller, 1, 'idem-after-pay-0001');

    // Assert
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first);
  });

  it('scopes keys per reseller: the same key from two resellers makes two orders', async () => {
    // Arrange
    const first = resellerAt(kuota, 4);
    const second = resellerAt(kuota, 5);

    // Act
    const a = await createOrder(kuota, first, 2, 'idem-shared-0001');
    const b = await createOrder(kuota, second, 3, 'idem-shared-0001');

    // Assert
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.billingCode).not.toBe(a.body.billingCode);
    expect((await getOrder(kuota, first, a.body.id)).body.quantity).toBe(2);
    expect((await getOrder(kuota, second, b.body.id)).body.quantity).toBe(3);
  });

  it.each([
    ['missing', undefined],
    ['too short', 'abc'],
    ['with forbidden characters', 'key with spaces!'],
    ['too long', 'k'.repeat(129)],
  ])('answers 400 naming headers.idempotency-key when the key is %s', async (_name, key) => {
    // Arrange
    const reseller = resellerAt(kuota, 6);
    const ordersBefore = (await quotaOrderItems(kuota)).length;

    // Act
    const response = await kuota.api.post<ErrorResponseBody>('/v1/wholesale/quota-orders', {
      apiKey: reseller.apiKey,
      headers: key === undefined ? {} : { 'idempotency-key': key },
      body: { quantity: 1 },
    });

    // Assert
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.issues?.map((issue) => issue.path)).toContain('headers.idempotency-key');
    expect((await quotaOrderItems(kuota)).length).toBe(ordersBefore);
  });
});

describe('reseller isolation', () => {
  it('answers 404 when a reseller reads another reseller’s order, exactly as for a missing order', async () => {
    // Arrange
    const owner = resellerAt(kuota, 7);
    const other = resellerAt(kuota, 8);
    const order = await mustCreateOrder(kuota, owner, 1, 'isolation-0001');

    // Act
    const foreign = await getOrder(kuota, other, order.id);
    const missing = await getOrder(kuota, other, 'QO_00000000000000000000000000');

    // Assert
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('NOT_FOUND');
    expect(foreign.body.error.message).toBe(missing.body.error.message);
    expect((await getOrder(kuota, owner, order.id)).status).toBe(200);
  });
});

describe('authentication and roles', () => {
  const createWith = (headers: Record<string, string>) =>
    kuota.api.post<ErrorResponseBody>('/v1/wholesale/quota-orders', {
      headers: { 'idempotency-key': 'auth-case-0001', ...headers },
      body: { quantity: 1 },
    });

  it('answers 401 without an Authorization header', async () => {
    // Arrange
    const ordersBefore = (await quotaOrderItems(kuota)).length;

    // Act
    const response = await createWith({});

    // Assert
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('UNAUTHENTICATED');
    expect((await quotaOrderItems(kuota)).length).toBe(ordersBefore);
  });

  it.each([
    ['a well-formed but unknown key', () => `Bearer kuota_rs_${'A'.repeat(43)}`],
    ['a key of the wrong shape', () => 'Bearer not-a-kuota-key'],
    ['the Basic scheme', () => `Basic ${resellerAt(kuota, 0).apiKey}`],
    ['Bearer without a token', () => 'Bearer'],
    ['Bearer with two tokens', () => `Bearer ${resellerAt(kuota, 0).apiKey} extra`],
    ['the key without a scheme', () => resellerAt(kuota, 0).apiKey],
  ])('answers 401 for %s', async (_name, authorization) => {
    // Arrange
    const ordersBefore = (await quotaOrderItems(kuota)).length;

    // Act
    const response = await createWith({ authorization: authorization() });

    // Assert
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('UNAUTHENTICATED');
    expect((await quotaOrderItems(kuota)).length).toBe(ordersBefore);
  });

  it('answers 401 on reads too', async () => {
    // Arrange
    const order = await mustCreateOrder(kuota, resellerAt(kuota, 9), 1, 'auth-read-0001');

    // Act
    const response = await kuota.api.get<ErrorResponseBody>(`/v1/wholesale/quota-orders/${order.id}`, {
      headers: { authorization: `Bearer kuota_rs_${'B'.repeat(43)}` },
    });

    // Assert
    expect(response.status).toBe(401);
  });

  it('answers 403 FORBIDDEN when the regulator key calls a wholesale route', async () => {
    // Arrange
    const ordersBefore = (await quotaOrderItems(kuota)).length;

    // Act
    const created = await createWith({ authorization: `Bearer ${kuota.credentials.regulatorKey}` });
    const read = await kuota.api.get<ErrorResponseBody>(
      '/v1/wholesale/quota-orders/QO_00000000000000000000000000',
      {
        apiKey: kuota.credentials.regulatorKey,
      },
    );

    // Assert
    expect(created.status).toBe(403);
    expect(created.body.error.code).toBe('FORBIDDEN');
    expect(read.status).toBe(403);
    expect(read.body.error.code).toBe('FORBIDDEN');
    expect((await quotaOrderItems(kuota)).length).toBe(ordersBefore);
  });

  it('accepts the scheme name in any case, as RFC 7235 allows', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 10);

    // Act
    const response = await kuota.api.post('/v1/wholesale/quota-orders', {
      headers: { authorization: `bearer ${reseller.apiKey}`, 'idempotency-key': 'auth-case-lower-0001' },
      body: { quantity: 1 },
    });

    // Assert
    expect(response.status).toBe(201);
  });
});
