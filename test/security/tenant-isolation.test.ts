import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes, type RouteDefinition } from '../../lib/api/routes.js';
import { SettlementView, WebhookDeliveryPage, WholesaleOrderPage } from '../../lib/api/schemas.js';
import { hashApiKey, newApiKey } from '../../lib/domain/api-keys.js';
import { resellerEventId } from '../../lib/domain/reseller-webhooks.js';
import { jakartaDay } from '../../lib/domain/storefront-order.js';
import { MainKeys } from '../../lib/infra/resources.js';
import { eventually, startTestCloud, type TestCloud } from '../support/cloud.js';
import { claimOf, placeOrder, validNik } from '../support/flows.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { buyStock, freshKey, inParallel, mainTable, pathOf } from './support.js';

/**
 * Security sweep, tenants: every wholesale route called with each of the other 25 resellers' keys reads
 * and writes only the caller's own data; missing, malformed and revoked keys are refused (401); a key of
 * the wrong role is refused (403) on every route of the other role, and changes nothing.
 */
let kuota: TestCloud;
const quotaOrders = new Map<string, { id: string; quantity: number }>();
/** The quota order each stocked reseller bought its stock with. */
const stockOrders = new Map<string, string>();
interface LedgerPage {
  readonly entries: { reference: string; kind: string; quantity: number }[];
  readonly nextCursor?: string;
}
const stocked = new Map<string, number>([
  ['R01', 40],
  ['R02', 30],
  ['R03', 20],
]);
/** Stamps each stocked reseller sells at its own counter (a quantity no other uses). */
const counterSold = new Map<string, number>([
  ['R01', 2],
  ['R02', 1],
  ['R03', 3],
]);
/** Every reseller's storefront order (reserved at the stocked three, refused SOLD_OUT elsewhere). */
const storefrontOrders = new Map<string, string>();
/** The stocked resellers' own-channel sales. */
const counterSales = new Map<string, string>();
const ownOrders = (resellerId: string) =>
  new Set([storefrontOrders.get(resellerId), counterSales.get(resellerId)].filter(Boolean));

const wholesaleRoutes = allRoutes.filter((route) => route.auth === 'reseller');
const regulatorRoutes = allRoutes.filter((route) => route.auth === 'regulator');
const resellers = () => kuota.credentials.resellers;

beforeAll(async () => {
  kuota = await startTestCloud();
  // Three resellers with stock (so stock and ledger have something to leak), every reseller with an
  // unpaid quota order of a quantity no other reseller uses.
  for (const [id, quantity] of stocked) {
    const reseller = resellers().find((candidate) => candidate.id === id);
    if (reseller) stockOrders.set(id, (await buyStock(kuota, reseller.apiKey, quantity)).id);
  }
  await inParallel(resellers(), 8, async (reseller, index) => {
    const quantity = 1_000 + index;
    const created = await kuota.api.post<{ id: string }>('/v1/wholesale/quota-orders', {
      apiKey: reseller.apiKey,
      headers: { 'idempotency-key': freshKey(`own-${reseller.id}`) },
      body: { quantity },
    });
    expect(created.status).toBe(201);
    quotaOrders.set(reseller.id, { id: created.body.id, quantity });
  });
  // Orders to leak: one storefront order per reseller, and a counter sale at each stocked one.
  await inParallel(resellers(), 8, async (reseller, index) => {
    const placed = await placeOrder(kuota, reseller.id, validNik(9_000 + index), 1);
    expect(placed.status, placed.text).toBe(201);
    storefrontOrders.set(reseller.id, placed.body.orderId);
  });
  for (const [id, quantity] of counterSold) {
    const reseller = resellers().find((candidate) => candidate.id === id);
    const nik = validNik(9_100 + quantity);
    const sale = await kuota.api.post<{ orderId: string }>('/v1/wholesale/sales', {
      apiKey: reseller?.apiKey ?? '',
      headers: { 'idempotency-key': freshKey(`counter-${id}`) },
      body: { nik, ...claimOf(nik), quantity, unitPriceIdr: 12_000 },
    });
    expect(sale.status, sale.text).toBe(201);
    counterSales.set(id, sale.body.orderId);
  }
}, 120_000);

afterAll(async () => {
  await kuota?.stop();
});

describe('cross-tenant access', () => {
  it('covers every wholesale route of the API', () => {
    expect(wholesaleRoutes.map((route) => route.id).sort()).toEqual(
      [
        'createQuotaOrder',
        'getQuotaOrder',
        'getStock',
        'listLedger',
        'updateStorefront',
        'createSale',
        'listWholesaleOrders',
        'getWholesaleOrder',
        'getSettlement',
        'putWebhookEndpoint',
        'listWebhookDeliveries',
        'retryWebhookEvent',
      ].sort(),
    );
  });

  it("answers 404 to every other reseller asking for a reseller's quota order", async () => {
    // Arrange
    const route = wholesaleRoutes.find((candidate) => candidate.id === 'getQuotaOrder') as RouteDefinition;
    const pairs = resellers().flatMap((owner) =>
      resellers()
        .filter((caller) => caller.id !== owner.id)
        .map((caller) => ({ owner, caller })),
    );

    // Act
    const answers = await inParallel(pairs, 16, async ({ owner, caller }) => {
      const order = quotaOrders.get(owner.id);
      const answer = await kuota.api.get(pathOf(route, { orderId: order?.id ?? '' }), {
        apiKey: caller.apiKey,
      });
      return { owner: owner.id, caller: caller.id, status: answer.status, text: answer.text };
    });

    // Assert: 26 x 25 attempts, each a 404 that does not even confirm the order exists.
    expect(answers).toHaveLength(26 * 25);
    expect(answers.filter((answer) => answer.status !== 404)).toEqual([]);
    for (const answer of answers)
      expect(answer.text).not.toContain(String(quotaOrders.get(answer.owner)?.id));
    // The owners still see their own.
    for (const owner of resellers()) {
      const own = await kuota.api.get(pathOf(route, { orderId: quotaOrders.get(owner.id)?.id ?? '' }), {
        apiKey: owner.apiKey,
      });
      expect(own.status).toBe(200);
      expect(own.body.quantity).toBe(quotaOrders.get(owner.id)?.quantity);
    }
  });

  it("gives every reseller its own stock and never another's", async () => {
    // Act
    const answers = await inParallel(resellers(), 8, async (caller) => ({
      caller: caller.id,
      answer: await kuota.api.get('/v1/wholesale/stock', { apiKey: caller.apiKey }),
    }));

    // Assert
    for (const { caller, answer } of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.resellerId).toBe(caller);
      expect(answer.body.allocatedTotal).toBe(stocked.get(caller) ?? 0);
      // Its pipeline is its own unpaid order, nobody else's.
      expect(answer.body.pipeline).toBe(quotaOrders.get(caller)?.quantity);
    }
  });

  it("lists only the caller's ledger entries, also when it presents another reseller's cursor", async () => {
    // Arrange: R01's ledger, one entry per page, gives a cursor into R01's partitions.
    const owner = resellers()[0];
    if (!owner) throw new Error('no R01');
    const ownPage = await kuota.api.get<{ entries: unknown[]; nextCursor?: string }>(
      '/v1/wholesale/ledger?limit=1',
      { apiKey: owner.apiKey },
    );
    expect(ownPage.status).toBe(200);
    expect(ownPage.body.nextCursor).toBeDefined();

    // Act
    const answers = await inParallel(resellers(), 8, async (caller) => {
      const plain = await kuota.api.get<LedgerPage>('/v1/wholesale/ledger?limit=200', {
        apiKey: caller.apiKey,
      });
      const foreignCursor = await kuota.api.get<LedgerPage>(
        `/v1/wholesale/ledger?limit=200&cursor=${ownPage.body.nextCursor ?? ''}`,
        { apiKey: caller.apiKey },
      );
      return { caller: caller.id, plain, foreignCursor };
    });

    // Assert: every entry a caller sees belongs to one of its own quota orders; the stocked resellers
    // see exactly their own mints.
    for (const { caller, plain, foreignCursor } of answers) {
      expect(plain.status).toBe(200);
      expect([200, 400]).toContain(foreignCursor.status);
      const own = new Set([quotaOrders.get(caller)?.id, stockOrders.get(caller), ...ownOrders(caller)]);
      for (const entry of [...plain.body.entries, ...(foreignCursor.body.entries ?? [])])
        expect({ caller, reference: entry.reference, own: own.has(entry.reference) }).toEqual({
          caller,
          reference: entry.reference,
          own: true,
        });
      const minted = plain.body.entries
        .filter((entry) => entry.kind === 'MINT')
        .reduce((sum, entry) => sum + entry.quantity, 0);
      expect(minted).toBe(stocked.get(caller) ?? 0);
    }
  });

  it("answers 404 to every other reseller asking for a reseller's order (storefront or own channel)", async () => {
    // Arrange
    const route = wholesaleRoutes.find(
      (candidate) => candidate.id === 'getWholesaleOrder',
    ) as RouteDefinition;
    const pairs = resellers().flatMap((owner) =>
      [...ownOrders(owner.id)].flatMap((orderId) =>
        resellers()
          .filter((caller) => caller.id !== owner.id)
          .map((caller) => ({ owner, caller, orderId: String(orderId) })),
      ),
    );

    // Act
    const answers = await inParallel(pairs, 16, async ({ caller, orderId }) => {
      const answer = await kuota.api.get(pathOf(route, { orderId }), { apiKey: caller.apiKey });
      return { orderId, caller: caller.id, status: answer.status, text: answer.text };
    });

    // Assert: 26 storefront orders + 3 counter sales, each asked by the 25 others: all 404, nothing leaked.
    expect(answers).toHaveLength((26 + 3) * 25);
    expect(answers.filter((answer) => answer.status !== 404)).toEqual([]);
    for (const answer of answers) expect(answer.text).not.toContain(answer.orderId);
    for (const owner of resellers())
      for (const orderId of ownOrders(owner.id)) {
        const own = await kuota.api.get(pathOf(route, { orderId: String(orderId) }), {
          apiKey: owner.apiKey,
        });
        expect(own.status).toBe(200);
        expect(own.body).toMatchObject({ orderId, resellerId: owner.id });
      }
  });

  it("lists only the caller's orders, also with another reseller's cursor", async () => {
    // Arrange: R01's orders one per page give a cursor.
    const owner = resellers()[0];
    if (!owner) throw new Error('no R01');
    const ownPage = await kuota.api.get<{ nextCursor?: string }>('/v1/wholesale/orders?limit=1', {
      apiKey: owner.apiKey,
    });
    expect(ownPage.body.nextCursor).toBeDefined();

    // Act
    const answers = await inParallel(resellers(), 8, async (caller) => ({
      caller: caller.id,
      plain: await kuota.api.get('/v1/wholesale/orders?limit=200', { apiKey: caller.apiKey }),
      foreignCursor: await kuota.api.get(`/v1/wholesale/orders?limit=200&cursor=${ownPage.body.nextCursor}`, {
        apiKey: caller.apiKey,
      }),
    }));

    // Assert
    for (const { caller, plain, foreignCursor } of answers) {
      expect(plain.status).toBe(200);
      expect(foreignCursor.status).toBe(200);
      const page = WholesaleOrderPage.parse(plain.body);
      const foreign = WholesaleOrderPage.parse(foreignCursor.body);
      expect(new Set(page.orders.map((order) => order.orderId))).toEqual(ownOrders(caller));
      for (const order of [...page.orders, ...foreign.orders]) expect(order.resellerId).toBe(caller);
    }
  });

  it("settles only the caller's sales", async () => {
    // Act
    const today = jakartaDay(new Date());
    const answers = await inParallel(resellers(), 8, async (caller) => ({
      caller: caller.id,
      json: await kuota.api.get(`/v1/wholesale/settlements/${today}`, { apiKey: caller.apiKey }),
      csv: await kuota.api.get(`/v1/wholesale/settlements/${today}`, {
        apiKey: caller.apiKey,
        headers: { accept: 'text/csv' },
      }),
    }));

    // Assert: each reseller's own counter sale, nobody else's (storefront orders here are unpaid).
    for (const { caller, json, csv } of answers) {
      expect(json.status).toBe(200);
      const settlement = SettlementView.parse(json.body);
      expect(settlement.resellerId).toBe(caller);
      expect(settlement.stamps).toBe(counterSold.get(caller) ?? 0);
      expect(settlement.grossIdr).toBe((counterSold.get(caller) ?? 0) * 12_000);
      expect(settlement.quotaPaid.stamps).toBe(stocked.get(caller) ?? 0);
      expect(csv.status).toBe(200);
      expect(csv.text).toContain(
        `${today},OWN_CHANNEL,${counterSold.has(caller) ? 1 : 0},${counterSold.get(caller) ?? 0},`,
      );
    }
  });

  it("sells only from the caller's stock, whatever the body or headers claim", async () => {
    // Arrange
    const [caller, victim] = [resellers()[0], resellers()[1]];
    if (!caller || !victim) throw new Error('not enough resellers');
    const victimBefore = await kuota.api.get('/v1/wholesale/stock', { apiKey: victim.apiKey });
    const nik = validNik(9_200);

    // Act
    const smuggled = await kuota.api.post('/v1/wholesale/sales', {
      apiKey: caller.apiKey,
      headers: { 'idempotency-key': freshKey('smuggle-sale'), 'x-reseller-id': victim.id },
      body: { nik, ...claimOf(nik), quantity: 1, unitPriceIdr: 10_000, resellerId: victim.id },
    });
    const plain = await kuota.api.post('/v1/wholesale/sales', {
      apiKey: caller.apiKey,
      headers: { 'idempotency-key': freshKey('plain-sale'), 'x-reseller-id': victim.id },
      body: { nik, ...claimOf(nik), quantity: 1, unitPriceIdr: 10_000 },
    });

    // Assert
    expect(smuggled.status).toBe(400);
    expect(plain.status, plain.text).toBe(201);
    expect(plain.body.resellerId).toBe(caller.id);
    const victimAfter = await kuota.api.get('/v1/wholesale/stock', { apiKey: victim.apiKey });
    expect(victimAfter.body).toEqual(victimBefore.body);
  });

  it("changes only the caller's storefront", async () => {
    // Act: every reseller sets a fee only it uses (Rp100 x its index) and opens its storefront.
    const updates = await inParallel(resellers(), 8, async (caller, index) => ({
      caller: caller.id,
      fee: index * 100,
      answer: await kuota.api.put('/v1/wholesale/storefront', {
        apiKey: caller.apiKey,
        body: { serviceFeeIdr: index * 100, open: true },
      }),
    }));

    // Assert: each answer names the caller, and the regulator sees each vendor's own fee.
    for (const update of updates) {
      expect(update.answer.status).toBe(200);
      expect(update.answer.body.resellerId).toBe(update.caller);
      expect(update.answer.body.serviceFeeIdr).toBe(update.fee);
    }
    const vendors = await kuota.api.get<{ vendors: { resellerId: string; serviceFeeIdr: number }[] }>(
      '/v1/regulator/vendors',
      { apiKey: kuota.credentials.regulatorKey },
    );
    expect(vendors.status).toBe(200);
    for (const update of updates)
      expect(vendors.body.vendors.find((vendor) => vendor.resellerId === update.caller)?.serviceFeeIdr).toBe(
        update.fee,
      );
  });

  it('creates quota orders only for the caller, whatever the body or headers claim', async () => {
    // Arrange
    const [caller, victim] = resellers().slice(4, 6);
    if (!caller || !victim) throw new Error('not enough resellers');
    const before = await kuota.api.get('/v1/wholesale/stock', { apiKey: victim.apiKey });

    // Act
    const smuggled = await kuota.api.post('/v1/wholesale/quota-orders', {
      apiKey: caller.apiKey,
      headers: { 'idempotency-key': freshKey('smuggle'), 'x-reseller-id': victim.id },
      body: { quantity: 7, resellerId: victim.id },
    });
    const plain = await kuota.api.post<{ id: string }>('/v1/wholesale/quota-orders', {
      apiKey: caller.apiKey,
      headers: { 'idempotency-key': freshKey('plain'), 'x-reseller-id': victim.id },
      body: { quantity: 7 },
    });

    // Assert
    expect(smuggled.status).toBe(400);
    expect(plain.status).toBe(201);
    expect(
      (await kuota.api.get(`/v1/wholesale/quota-orders/${plain.body.id}`, { apiKey: caller.apiKey })).status,
    ).toBe(200);
    expect(
      (await kuota.api.get(`/v1/wholesale/quota-orders/${plain.body.id}`, { apiKey: victim.apiKey })).status,
    ).toBe(404);
    const after = await kuota.api.get('/v1/wholesale/stock', { apiKey: victim.apiKey });
    expect(after.body.pipeline).toBe(before.body.pipeline);
  });
});

describe('webhooks across tenants', () => {
  it("delivers each reseller's events to its own endpoint only; its log and retries are its own", async () => {
    // Arrange: R01-R03 register endpoints on one receiver, one path each; each sells at its counter.
    const target = await startWebhookReceiver();
    try {
      const stockedIds = ['R01', 'R02', 'R03'];
      const secrets = new Map<string, string>();
      for (const id of stockedIds) {
        const reseller = resellers().find((candidate) => candidate.id === id);
        const answer = await kuota.api.put<{ secret: string }>('/v1/wholesale/webhook-endpoints', {
          apiKey: reseller?.apiKey ?? '',
          body: { url: `${target.url}/${id}`, events: ['order.fulfilled'] },
        });
        expect(answer.status, answer.text).toBe(200);
        secrets.set(id, answer.body.secret);
        target.secretsByPath.set(`/${id}`, [answer.body.secret]);
      }
      const sold = new Map<string, string>();
      for (const [index, id] of stockedIds.entries()) {
        const reseller = resellers().find((candidate) => candidate.id === id);
        const nik = validNik(9_400 + index);
        const sale = await kuota.api.post<{ orderId: string }>('/v1/wholesale/sales', {
          apiKey: reseller?.apiKey ?? '',
          headers: { 'idempotency-key': freshKey(`webhook-${id}`) },
          body: { nik, ...claimOf(nik), quantity: 1, unitPriceIdr: 10_000 },
        });
        expect(sale.status, sale.text).toBe(201);
        sold.set(id, sale.body.orderId);
      }
      const eventOf = new Map(
        [...sold].map(([id, orderId]) => [id, resellerEventId('order.fulfilled', orderId)] as const),
      );
      await eventually(
        async () =>
          stockedIds.every((id) => target.processed.includes(eventOf.get(id) ?? '')) ? true : undefined,
        { timeoutMs: 20_000 },
      );

      // Act
      const logs = await inParallel(resellers(), 8, async (caller) => ({
        caller: caller.id,
        answer: await kuota.api.get('/v1/wholesale/webhook-deliveries?limit=200', { apiKey: caller.apiKey }),
      }));
      const foreignRetries = await inParallel(
        resellers().flatMap((caller) =>
          stockedIds.filter((owner) => owner !== caller.id).map((owner) => ({ caller, owner })),
        ),
        16,
        async ({ caller, owner }) =>
          (
            await kuota.api.post(`/v1/wholesale/webhook-deliveries/${eventOf.get(owner)}/retry`, {
              apiKey: caller.apiKey,
            })
          ).status,
      );

      // Assert
      for (const delivery of target.deliveries) {
        expect(delivery.path).toBe(`/${delivery.body.resellerId}`);
        // Signed with the owner's secret: another reseller's secret does not verify it.
        expect(delivery.verified).toBe(true);
      }
      expect(new Set(secrets.values()).size).toBe(3);
      for (const { caller, answer } of logs) {
        expect(answer.status).toBe(200);
        const page = WebhookDeliveryPage.parse(answer.body);
        expect(page.deliveries.map((delivery) => delivery.eventId)).toEqual(
          eventOf.has(caller) ? [eventOf.get(caller)] : [],
        );
      }
      expect(foreignRetries).toHaveLength(26 * 3 - 3);
      expect(foreignRetries.filter((status) => status !== 404)).toEqual([]);
    } finally {
      await target.stop();
    }
  });
});

describe('authentication', () => {
  const sampleRequest = (route: RouteDefinition) => {
    const order = quotaOrders.get('R01')?.id ?? '';
    const path = pathOf(route, {
      orderId: route.id === 'getWholesaleOrder' ? (storefrontOrders.get('R01') ?? '') : order,
      resellerId: 'R07',
      date: '2026-01-01',
    });
    const bodies: Record<string, unknown> = {
      createQuotaOrder: { quantity: 1 },
      updateStorefront: { serviceFeeIdr: 0, open: false },
      createSale: { nik: validNik(9_300), ...claimOf(validNik(9_300)), quantity: 1, unitPriceIdr: 10_000 },
      putWebhookEndpoint: { url: 'http://127.0.0.1:9/hook', events: ['order.fulfilled'] },
      setVendorLimits: { holdingCap: 1 },
    };
    return { path, body: bodies[route.id], headers: { 'idempotency-key': freshKey('auth') } };
  };

  const unsentKey = () => newApiKey('reseller');
  const authorizations: [string, () => string | undefined][] = [
    ['no Authorization header', () => undefined],
    ['an empty header', () => ''],
    ['Bearer with nothing', () => 'Bearer '],
    ['a Basic credential', () => `Basic ${Buffer.from('R01:secret').toString('base64')}`],
    ['a key without Bearer', () => resellers()[0]?.apiKey],
    ['a malformed key', () => 'Bearer kuota_rs_short'],
    ['a key of the right shape that was never issued', () => `Bearer ${unsentKey()}`],
    ['a regulator-shaped key that was never issued', () => `Bearer ${newApiKey('regulator')}`],
    ['a key with a trailing character', () => `Bearer ${resellers()[0]?.apiKey}x`],
    ['two keys', () => `Bearer ${resellers()[0]?.apiKey} ${resellers()[1]?.apiKey}`],
  ];

  it.each(authorizations)('refuses %s with 401 on every authenticated route', async (_, authorization) => {
    for (const route of [...wholesaleRoutes, ...regulatorRoutes]) {
      const request = sampleRequest(route);
      const value = authorization();
      const answer = await kuota.api.call(route.method, request.path, {
        headers: { ...request.headers, ...(value === undefined ? {} : { authorization: value }) },
        ...(request.body ? { body: request.body } : {}),
      });
      expect({ route: route.id, status: answer.status }).toEqual({ route: route.id, status: 401 });
    }
  });

  it('refuses a revoked key (401), and the same key works before revocation would have been cached', async () => {
    // Arrange: two fresh keys of R09; one is revoked before it is ever used.
    const working = newApiKey('reseller');
    const revoked = newApiKey('reseller');
    for (const key of [working, revoked])
      await kuota.cloud.dynamo.send(
        new UpdateCommand({
          TableName: mainTable(kuota),
          Key: MainKeys.apiKey(hashApiKey(key)),
          UpdateExpression: 'SET #role = :role, resellerId = :reseller, entity = :entity',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':role': 'reseller', ':reseller': 'R09', ':entity': 'ApiKey' },
        }),
      );
    await kuota.cloud.dynamo.send(
      new UpdateCommand({
        TableName: mainTable(kuota),
        Key: MainKeys.apiKey(hashApiKey(revoked)),
        UpdateExpression: 'SET revokedAt = :at',
        ExpressionAttributeValues: { ':at': new Date().toISOString() },
      }),
    );

    // Act + Assert
    expect((await kuota.api.get('/v1/wholesale/stock', { apiKey: working })).status).toBe(200);
    for (const route of wholesaleRoutes) {
      const request = sampleRequest(route);
      const answer = await kuota.api.call(route.method, request.path, {
        apiKey: revoked,
        headers: request.headers,
        ...(request.body ? { body: request.body } : {}),
      });
      expect({ route: route.id, status: answer.status }).toEqual({ route: route.id, status: 401 });
    }
  });
});

describe('roles', () => {
  it('refuses a reseller key on every regulator route (403) and nothing changes', async () => {
    // Arrange
    const caller = resellers()[9];
    if (!caller) throw new Error('no R10');
    const before = await kuota.api.get<{
      vendors: { resellerId: string; status: string; holdingCap: number }[];
    }>('/v1/regulator/vendors', { apiKey: kuota.credentials.regulatorKey });

    // Act
    const answers = [];
    for (const route of regulatorRoutes) {
      const path = pathOf(route, { resellerId: 'R07' });
      answers.push({
        route: route.id,
        status: (
          await kuota.api.call(route.method, path, {
            apiKey: caller.apiKey,
            ...(route.id === 'setVendorLimits' ? { body: { holdingCap: 1 } } : {}),
          })
        ).status,
      });
    }

    // Assert
    expect(answers).toEqual(regulatorRoutes.map((route) => ({ route: route.id, status: 403 })));
    const after = await kuota.api.get('/v1/regulator/vendors', { apiKey: kuota.credentials.regulatorKey });
    expect(after.body.vendors).toEqual(before.body.vendors);
    const audit = await kuota.api.get<{ records: unknown[] }>('/v1/regulator/audit', {
      apiKey: kuota.credentials.regulatorKey,
    });
    expect(audit.body.records).toEqual([]);
  });

  it('refuses the regulator key on every wholesale route (403) and nothing changes', async () => {
    // Arrange
    const pipelineBefore = (
      await kuota.api.get('/v1/wholesale/stock', { apiKey: resellers()[0]?.apiKey ?? '' })
    ).body.pipeline;

    // Act
    const answers = [];
    for (const route of wholesaleRoutes) {
      const path = pathOf(route, {
        orderId:
          route.id === 'getWholesaleOrder'
            ? (storefrontOrders.get('R01') ?? '')
            : (quotaOrders.get('R01')?.id ?? ''),
        date: '2026-01-01',
      });
      answers.push({
        route: route.id,
        status: (
          await kuota.api.call(route.method, path, {
            apiKey: kuota.credentials.regulatorKey,
            headers: { 'idempotency-key': freshKey('regulator') },
            ...(route.id === 'createQuotaOrder' ? { body: { quantity: 1 } } : {}),
            ...(route.id === 'updateStorefront' ? { body: { serviceFeeIdr: 0, open: false } } : {}),
            ...(route.id === 'createSale'
              ? {
                  body: {
                    nik: validNik(9_301),
                    ...claimOf(validNik(9_301)),
                    quantity: 1,
                    unitPriceIdr: 10_000,
                  },
                }
              : {}),
            ...(route.id === 'putWebhookEndpoint'
              ? { body: { url: 'http://127.0.0.1:9/hook', events: ['order.fulfilled'] } }
              : {}),
          })
        ).status,
      });
    }

    // Assert
    expect(answers).toEqual(wholesaleRoutes.map((route) => ({ route: route.id, status: 403 })));
    const offers = await inParallel(resellers(), 8, (reseller) =>
      kuota.api.get(`/v1/storefronts/${reseller.id}/offer`),
    );
    for (const offer of offers) expect(offer.body.status).toBe('OPEN');
    expect(
      (await kuota.api.get('/v1/wholesale/stock', { apiKey: resellers()[0]?.apiKey ?? '' })).body.pipeline,
    ).toBe(pipelineBefore);
  });
});
