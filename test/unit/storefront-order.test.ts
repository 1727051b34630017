import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canTransition,
  captureBuysOrder,
  countBefore,
  firstOrderCheck,
  fitsNationalCap,
  givesHoldBack,
  nextOrderCheck,
  nikIntakeFull,
  ORDER_TOKEN_DAYS,
  orderToken,
  orderTokenMatches,
  paidInTime,
  paymentWatchEnds,
  reservationExpiry,
  reservationLapsed,
  STOREFRONT_ORDER_STATUSES,
  type StorefrontOrder,
} from '../../lib/domain/storefront-order.js';

const at = (iso: string) => new Date(iso);

const reserved = (overrides: Partial<StorefrontOrder> = {}): StorefrontOrder => ({
  orderId: 'SO_01JTEST0000000000000000000',
  resellerId: 'R01',
  nikHash: 'h'.repeat(64),
  quantity: 2,
  status: 'RESERVED',
  version: 1,
  requestHash: 'r'.repeat(64),
  createdAt: '2026-12-01T10:00:00.000Z',
  reservedAt: '2026-12-01T10:00:00.000Z',
  expiresAt: '2026-12-01T10:10:00.000Z',
  amountIdr: 25_000,
  payment: {
    paymentId: 'PAY_1',
    reference: 'SO_01JTEST0000000000000000000',
    amountIdr: 25_000,
    qris: '000201',
    expiresAt: '2026-12-01T10:10:00.000Z',
  },
  refunds: {},
  ...overrides,
});

describe('the national cap', () => {
  it('property: a quantity fits exactly when what the NIK holds today plus it stays within the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 10 }),
        (held, quantity, cap) => {
          // Act
          const fits = fitsNationalCap(held, quantity, cap);

          // Assert
          expect(fits).toBe(held + quantity <= cap);
        },
      ),
    );
  });

  it('refuses an order larger than the whole cap, even with nothing held today', () => {
    // Act / Assert
    expect(fitsNationalCap(0, 6, 5)).toBe(false);
    expect(fitsNationalCap(0, 5, 5)).toBe(true);
  });

  it('does not count an order that holds already against itself (an attempt cut short after its hold)', () => {
    // Arrange
    const order = { orderId: 'SO_A', quantity: 2 };

    // Act
    const heldByItself = countBefore({ count: 5, held: ['SO_B', 'SO_A'] }, order);
    const heldByOthers = countBefore({ count: 5, held: ['SO_B'] }, order);

    // Assert: with its own 2 taken out the order fits a cap of 5 again; another's hold still counts.
    expect(heldByItself).toBe(3);
    expect(fitsNationalCap(heldByItself, order.quantity, 5)).toBe(true);
    expect(heldByOthers).toBe(5);
    expect(fitsNationalCap(heldByOthers, order.quantity, 5)).toBe(false);
  });

  it('gives a hold back only from a state no sale can leave to (REJECTED)', () => {
    // Act
    const giving = STOREFRONT_ORDER_STATUSES.filter(givesHoldBack);

    // Assert: and REJECTED never leads to a sale, so no attempt in flight can use a hold given back.
    expect(giving).toEqual(['REJECTED']);
    for (const status of giving) {
      expect(canTransition(status, 'RESERVED')).toBe(false);
      expect(canTransition(status, 'PAID')).toBe(false);
      expect(canTransition(status, 'FULFILLED')).toBe(false);
    }
  });

  it('takes a NIK’s orders of a minute up to the intake limit and refuses the next one', () => {
    // Act / Assert
    expect(nikIntakeFull(undefined, 3)).toBe(false);
    expect(nikIntakeFull(2, 3)).toBe(false);
    expect(nikIntakeFull(3, 3)).toBe(true);
    expect(nikIntakeFull(4, 3)).toBe(true);
  });
});

describe('payment and expiry', () => {
  it('a capture buys a reserved order only for the exact amount, paid before the QR lapsed', () => {
    // Arrange
    const order = reserved();
    const inTime = { eventId: 'E1', amountIdr: 25_000, occurredAt: '2026-12-01T17:09:59+07:00' };

    // Act / Assert
    expect(captureBuysOrder(order, inTime)).toBe(true);
    expect(captureBuysOrder(order, { ...inTime, amountIdr: 24_999 })).toBe(false);
    expect(captureBuysOrder(order, { ...inTime, occurredAt: '2026-12-01T10:10:00.001Z' })).toBe(false);
    expect(captureBuysOrder({ ...order, status: 'FULFILLED' }, inTime)).toBe(false);
    expect(paidInTime(order, { occurredAt: '2026-12-01T10:10:00.000Z' })).toBe(true);
  });

  it('a reservation lapses at its expiry, and only while it is reserved', () => {
    // Arrange
    const order = reserved();

    // Act / Assert
    expect(reservationLapsed(order, at('2026-12-01T10:09:59.999Z'))).toBe(false);
    expect(reservationLapsed(order, at('2026-12-01T10:10:00.000Z'))).toBe(true);
    expect(reservationLapsed({ ...order, status: 'FULFILLED' }, at('2026-12-01T11:00:00Z'))).toBe(false);
    expect(reservationExpiry(at('2026-12-01T10:00:00Z'), 600).toISOString()).toBe('2026-12-01T10:10:00.000Z');
  });
});

describe('order timers', () => {
  const settings = { reconcileAfterSeconds: 60, reservationTtlSeconds: 600, paymentWatchSeconds: 3_600 };

  it('first looks at a reservation after the reconcile delay, or at its expiry when that comes first', () => {
    // Act / Assert
    expect(firstOrderCheck(at('2026-12-01T10:00:00Z'), settings).toISOString()).toBe(
      '2026-12-01T10:01:00.000Z',
    );
    expect(
      firstOrderCheck(at('2026-12-01T10:00:00Z'), { ...settings, reservationTtlSeconds: 20 }).toISOString(),
    ).toBe('2026-12-01T10:00:20.000Z');
  });

  it('reconciles a reservation once, then at its expiry; watches a settled order until its watch ends', () => {
    // Arrange
    const order = reserved();

    // Act
    const beforeReconcile = nextOrderCheck(order, at('2026-12-01T10:00:30Z'), settings);
    const afterReconcile = nextOrderCheck(order, at('2026-12-01T10:01:00Z'), settings);
    const pastExpiry = nextOrderCheck(order, at('2026-12-01T10:11:00Z'), settings);
    const fulfilled = nextOrderCheck({ ...order, status: 'FULFILLED' }, at('2026-12-01T10:02:00Z'), settings);
    const watchOver = nextOrderCheck({ ...order, status: 'FULFILLED' }, at('2026-12-01T11:10:00Z'), settings);
    const queued = nextOrderCheck({ ...order, status: 'QUEUED' }, at('2026-12-01T10:00:00Z'), settings);
    const rejected = nextOrderCheck(
      { ...order, status: 'REJECTED', payment: undefined },
      at('2026-12-01T10:00:00Z'),
      settings,
    );

    // Assert
    expect(beforeReconcile?.toISOString()).toBe('2026-12-01T10:01:00.000Z');
    expect(afterReconcile?.toISOString()).toBe('2026-12-01T10:10:00.000Z');
    expect(pastExpiry?.toISOString()).toBe('2026-12-01T10:11:00.000Z');
    expect(fulfilled?.toISOString()).toBe(paymentWatchEnds(order, 3_600).toISOString());
    expect(fulfilled?.toISOString()).toBe('2026-12-01T11:10:00.000Z');
    expect(watchOver).toBeUndefined();
    expect(queued?.toISOString()).toBe('2026-12-01T10:01:00.000Z');
    expect(rejected).toBeUndefined();
  });
});

describe('order states', () => {
  it('moves only along its transitions: nothing leaves FULFILLED but a refund, nothing returns to QUEUED', () => {
    // Act / Assert
    expect(canTransition('QUEUED', 'RESERVED')).toBe(true);
    expect(canTransition('RESERVED', 'FULFILLED')).toBe(true);
    expect(canTransition('RESERVED', 'EXPIRED')).toBe(true);
    expect(canTransition('FULFILLED', 'EXPIRED')).toBe(false);
    expect(canTransition('EXPIRED', 'FULFILLED')).toBe(false);
    for (const status of STOREFRONT_ORDER_STATUSES) expect(canTransition(status, 'QUEUED')).toBe(false);
  });
});

describe('order tokens', () => {
  const KEY = 'order-token-key-for-tests-0123456789abcdef';
  const ISSUED = new Date('2026-09-01T00:00:00Z');

  it('open their own order until they expire, 30 days after issue', () => {
    // Arrange
    const token = orderToken(KEY, 'SO_ONE', ISSUED);

    // Act
    const inTime = orderTokenMatches(KEY, 'SO_ONE', token, new Date(ISSUED.getTime() + 29 * 86_400_000));
    const late = orderTokenMatches(
      KEY,
      'SO_ONE',
      token,
      new Date(ISSUED.getTime() + ORDER_TOKEN_DAYS * 86_400_000),
    );

    // Assert
    expect(inTime).toBe(true);
    expect(late).toBe(false);
  });

  it('open nothing else: another order, another key, a changed expiry, garbage', () => {
    // Arrange
    const token = orderToken(KEY, 'SO_ONE', ISSUED);
    const [expiry, mac] = token.split('.') as [string, string];
    const now = new Date(ISSUED.getTime() + 1_000);

    // Act
    const answers = [
      orderTokenMatches(KEY, 'SO_TWO', token, now),
      orderTokenMatches(`${KEY}-rotated`, 'SO_ONE', token, now),
      orderTokenMatches(KEY, 'SO_ONE', `${(Number.parseInt(expiry, 36) + 86_400).toString(36)}.${mac}`, now),
      orderTokenMatches(KEY, 'SO_ONE', mac, now),
      orderTokenMatches(KEY, 'SO_ONE', undefined, now),
      orderTokenMatches(KEY, 'SO_ONE', 'x'.repeat(43), now),
    ];

    // Assert
    expect(answers).toEqual([false, false, false, false, false, false]);
  });

  it('are the same for the same order and instant (so a replayed intake answers the same token)', () => {
    expect(orderToken(KEY, 'SO_ONE', ISSUED)).toBe(orderToken(KEY, 'SO_ONE', ISSUED));
  });
});
