import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queues, type ReservationMessage } from '../../lib/adapters/queues.js';
import { allRoutes } from '../../lib/api/routes.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  isAccepted,
  placeOrder,
  placeQueuedOrder,
  stockReseller,
  validNik,
  waitForStatus,
} from '../support/flows.js';
import { asRegulator, eventually, resellerKey, vendorRow } from './oversight-support.js';

/**
 * The regulator's power to act: suspending a reseller stops its quota orders and its storefront
 * sales at once (an order already queued is rejected, not reserved), resuming restores both, limits
 * change what the reseller may hold and charge, and every action is in the audit log with its actor.
 */
let kuota: TestCloud;
let orderKey = 0;
const quotaOrder = (resellerId: string, quantity: number) => {
  orderKey += 1;
  return kuota.api.post('/v1/wholesale/quota-orders', {
    apiKey: resellerKey(kuota, resellerId),
    headers: { 'idempotency-key': `suspend-test-${orderKey}` },
    body: { quantity },
  });
};

interface AuditRecord {
  readonly auditId: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly resellerId?: string;
  readonly details: Record<string, unknown>;
}

beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '4' } });
  await stockReseller(kuota, 2, 20);
}, 60_000);
afterAll(async () => {
  vi.restoreAllMocks();
  await kuota?.stop();
});

describe('suspend, resume and limits', () => {
  it('suspending R03 stops its quota orders and storefront sales at once', async () => {
    // Arrange: an order accepted before the suspension whose queue message is held back, so it is still
    // QUEUED when the suspension lands (and this instance has R03's ACTIVE profile in its cache).
    const held: ReservationMessage[] = [];
    vi.spyOn(queues, 'requestReservation').mockImplementationOnce(async (message) => {
      held.push(message);
    });
    const queued = await placeQueuedOrder(kuota, 'R03', validNik(301), 2);

    // Act
    const suspended = await kuota.api.post('/v1/regulator/vendors/R03/suspend', asRegulator(kuota));
    const quota = await quotaOrder('R03', 10);
    await kuota.cloud.sqs.send(
      new SendMessageCommand({
        QueueUrl: kuota.cloud.queues.storefrontOrders.url,
        MessageBody: JSON.stringify(held[0]),
      }),
    );
    const queuedOutcome = await waitForStatus(kuota, queued.body, ['RESERVED', 'REJECTED']);
    // An intake that still holds R03's profile from before may accept an order for a few seconds (its
    // profile cache); such an order is rejected by the suspension stamped on every stock shard.
    const immediate = await placeOrder(kuota, 'R03', validNik(302), 1);
    const immediateOutcome = isAccepted(immediate.status)
      ? await waitForStatus(kuota, immediate.body, ['RESERVED', 'REJECTED'])
      : undefined;
    let buyer = 310;
    const intake = await eventually(
      async () => {
        buyer += 1;
        const answer = await placeOrder(kuota, 'R03', validNik(buyer), 1);
        return isAccepted(answer.status) ? undefined : answer;
      },
      { intervalMs: 250 },
    );
    const row = await vendorRow(kuota, 'R03');

    // Assert
    expect(suspended.status, suspended.text).toBe(200);
    expect(suspended.body).toMatchObject({ resellerId: 'R03', status: 'SUSPENDED' });
    expect(quota.status).toBe(403);
    expect(quota.body).toMatchObject({ error: { code: 'RESELLER_SUSPENDED' } });
    expect(queuedOutcome).toMatchObject({ status: 'REJECTED', reason: 'RESELLER_SUSPENDED' });
    if (isAccepted(immediate.status))
      expect(immediateOutcome).toMatchObject({ status: 'REJECTED', reason: 'RESELLER_SUSPENDED' });
    else expect(immediate.body).toMatchObject({ error: { code: 'RESELLER_SUSPENDED' } });
    expect(intake.status).toBe(403);
    expect(intake.body).toMatchObject({ error: { code: 'RESELLER_SUSPENDED' } });
    expect(row).toMatchObject({ status: 'SUSPENDED', allocated: 20, onHand: 20, reserved: 0, sold: 0 });
    expect(row.flags).toContain('SUSPENDED');
  });

  it('resuming R03 restores quota orders and storefront sales', async () => {
    // Act
    const resumed = await kuota.api.post('/v1/regulator/vendors/R03/resume', asRegulator(kuota));
    const quota = await quotaOrder('R03', 10);
    let buyer = 330;
    const accepted = await eventually(
      async () => {
        buyer += 1;
        const answer = await placeOrder(kuota, 'R03', validNik(buyer), 2);
        return isAccepted(answer.status) ? answer : undefined;
      },
      { intervalMs: 250 },
    );
    const reserved = await waitForStatus(kuota, accepted.body, ['RESERVED', 'REJECTED']);
    const row = await vendorRow(kuota, 'R03');

    // Assert
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.body).toMatchObject({ resellerId: 'R03', status: 'ACTIVE' });
    expect(quota.status, quota.text).toBe(201);
    expect(reserved.status).toBe('RESERVED');
    expect(row).toMatchObject({ status: 'ACTIVE', onHand: 18, reserved: 2 });
    expect(row.flags).not.toContain('SUSPENDED');
  });

  it('PUT limits changes the holding cap and the fee cap, and they bind at once', async () => {
    // Act: R04's holding cap drops to 30 and its fee cap to Rp2,000 (its fee was Rp2,500).
    const limits = await kuota.api.put('/v1/regulator/vendors/R04/limits', {
      ...asRegulator(kuota),
      body: { holdingCap: 30, serviceFeeCapIdr: 2_000 },
    });
    const overHolding = await quotaOrder('R04', 31);
    const withinHolding = await quotaOrder('R04', 30);
    const feeAboveCap = await kuota.api.put('/v1/wholesale/storefront', {
      apiKey: resellerKey(kuota, 'R04'),
      body: { serviceFeeIdr: 2_500, open: true },
    });
    const row = await vendorRow(kuota, 'R04');
    const offer = await eventually(async () => {
      const answer = await kuota.api.get('/v1/storefronts/R04/offer');
      return answer.body.serviceFeeIdr === 2_000 ? answer : undefined;
    });

    // Assert
    expect(limits.status, limits.text).toBe(200);
    expect(limits.body).toEqual({
      resellerId: 'R04',
      status: 'ACTIVE',
      holdingCap: 30,
      serviceFeeCapIdr: 2_000,
    });
    expect(overHolding.status).toBe(422);
    expect(overHolding.body).toMatchObject({ error: { code: 'HOLDING_CAP_EXCEEDED' } });
    expect(withinHolding.status, withinHolding.text).toBe(201);
    expect(feeAboveCap.status).toBe(422);
    expect(feeAboveCap.body).toMatchObject({ error: { code: 'FEE_CAP_EXCEEDED' } });
    // A fee above a lowered cap is lowered to the cap: buyers never pay more than the regulator allows.
    expect(row).toMatchObject({ holdingCap: 30, serviceFeeIdr: 2_000 });
    expect(offer.body).toMatchObject({ unitPriceIdr: 12_000 });
  });

  it('records every regulator action in the audit log with its actor', async () => {
    // Act
    const audit = await kuota.api.get<{ records: AuditRecord[] }>('/v1/regulator/audit', asRegulator(kuota));

    // Assert
    expect(audit.status, audit.text).toBe(200);
    const actions = [...audit.body.records]
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((record) => ({ action: record.action, resellerId: record.resellerId, actor: record.actor }));
    expect(actions).toEqual([
      { action: 'SUSPEND', resellerId: 'R03', actor: 'regulator:DJP' },
      { action: 'RESUME', resellerId: 'R03', actor: 'regulator:DJP' },
      { action: 'SET_LIMITS', resellerId: 'R04', actor: 'regulator:DJP' },
    ]);
    const setLimits = audit.body.records.find((record) => record.action === 'SET_LIMITS');
    expect(setLimits?.details).toMatchObject({
      before: { holdingCap: 100_000, serviceFeeCapIdr: 2_500 },
      changes: { holdingCap: 30, serviceFeeCapIdr: 2_000 },
    });
    for (const record of audit.body.records) expect(Number.isNaN(Date.parse(record.at))).toBe(false);
  });

  it('answers 403 to a reseller key on every regulator route', async () => {
    // Arrange
    const regulatorRoutes = allRoutes.filter((route) => route.auth === 'regulator');
    const body: Record<string, unknown> = { holdingCap: 1 };

    // Act
    const answers = await Promise.all(
      regulatorRoutes.map(async (route) => {
        const path = route.path.replace('{resellerId}', 'R01');
        const answer = await kuota.api.call(route.method, path, {
          apiKey: resellerKey(kuota, 'R01'),
          ...(route.method === 'PUT' ? { body } : {}),
        });
        return { route: `${route.method} ${route.path}`, status: answer.status };
      }),
    );
    const r01 = await vendorRow(kuota, 'R01');

    // Assert
    expect(regulatorRoutes.length).toBeGreaterThanOrEqual(8);
    expect(answers).toEqual(answers.map(({ route }) => ({ route, status: 403 })));
    expect(r01).toMatchObject({ status: 'ACTIVE', holdingCap: 100_000 });
  });
});
