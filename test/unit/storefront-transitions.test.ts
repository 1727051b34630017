import { describe, expect, it } from 'vitest';
import {
  expiredFrom,
  nextOrderCheck,
  orderDraft,
  refundSummary,
  reservedFrom,
  type StorefrontOrder,
  soldAtCounterFrom,
} from '../../lib/domain/storefront-order.js';

/** The order's stock-taking transitions and its refund summary, as the domain states them. */
const queued: StorefrontOrder = {
  orderId: 'SO_01JTEST0000000000000000000',
  resellerId: 'R01',
  nikHash: 'h'.repeat(64),
  quantity: 2,
  status: 'QUEUED',
  version: 3,
  requestHash: 'r'.repeat(64),
  createdAt: '2026-12-01T10:00:00.000Z',
  refunds: {},
};
const terms = {
  unitPriceIdr: 12_500,
  at: '2026-12-01T10:01:00.000Z',
  day: '2026-12-01',
  shardParts: [{ shard: 4, quantity: 2 }],
};
const payment = {
  paymentId: 'PAY_1',
  reference: queued.orderId,
  amountIdr: 25_000,
  qris: '000201',
  expiresAt: '2026-12-01T10:11:00.000Z',
};

describe('storefront order transitions', () => {
  it('starts every order QUEUED at version 0 with no refunds, keeping what intake knew', () => {
    // Act
    const draft = orderDraft({
      orderId: queued.orderId,
      resellerId: 'R01',
      nikHash: queued.nikHash,
      quantity: 2,
      requestHash: queued.requestHash,
      createdAt: queued.createdAt,
    });

    // Assert
    expect(draft).toEqual({ ...queued, version: 0 });
    expect(orderDraft({ ...draft, channel: 'OWN_CHANNEL' }).channel).toBe('OWN_CHANNEL');
  });

  it('reserves: the price times the quantity, the shards, the payment window, the next version', () => {
    // Act
    const order = reservedFrom(queued, { ...terms, expiresAt: payment.expiresAt, payment });

    // Assert
    expect(order).toMatchObject({
      status: 'RESERVED',
      version: 4,
      amountIdr: 25_000,
      reservedAt: terms.at,
      expiresAt: payment.expiresAt,
      day: '2026-12-01',
      shardParts: terms.shardParts,
      payment,
    });
    expect(order.stamps).toBeUndefined();
  });

  it('expires an unpaid reservation: EXPIRED at the next version, its payment kept for the watch', () => {
    // Arrange
    const reserved = reservedFrom(queued, { ...terms, expiresAt: payment.expiresAt, payment });
    const at = '2026-12-01T10:11:01.000Z';

    // Act
    const expired = expiredFrom(reserved, at);

    // Assert: only the state, the time and the version change; its timer next looks at the watch's end
    expect(expired).toEqual({ ...reserved, status: 'EXPIRED', expiredAt: at, version: reserved.version + 1 });
    const settings = { reconcileAfterSeconds: 30, paymentWatchSeconds: 3_600 };
    expect(nextOrderCheck(expired, new Date(at), settings)?.toISOString()).toBe('2026-12-01T11:11:00.000Z');
  });

  it('sells at the counter in one step: paid and fulfilled at once, serials issued, none affixed', () => {
    // Act
    const order = soldAtCounterFrom(queued, { ...terms, serials: ['S1', 'S2'] });

    // Assert
    expect(order).toMatchObject({
      status: 'FULFILLED',
      version: 4,
      amountIdr: 25_000,
      paidAt: terms.at,
      fulfilledAt: terms.at,
      stamps: ['S1', 'S2'],
      affixed: {},
    });
    expect(order.payment).toBeUndefined();
  });

  it('summarises refunds: none, pending while any is unconfirmed, completed once all are', () => {
    const refund = (status: 'PENDING' | 'COMPLETED', amountIdr: number) => ({
      amountIdr,
      status,
      captureEventId: `E_${amountIdr}`,
      reason: 'LATE_PAYMENT' as const,
    });
    expect(refundSummary(queued)).toBeUndefined();
    expect(refundSummary({ refunds: { a: refund('COMPLETED', 100), b: refund('PENDING', 50) } })).toEqual({
      amountIdr: 150,
      status: 'PENDING',
    });
    expect(refundSummary({ refunds: { a: refund('COMPLETED', 100) } })).toEqual({
      amountIdr: 100,
      status: 'COMPLETED',
    });
  });
});
