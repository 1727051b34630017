import { describe, expect, it } from 'vitest';
import {
  daysOfCover,
  lowStockStep,
  nextAttemptAfterFailure,
  resellerEventId,
  retryDelaySeconds,
  signingSecrets,
  signWithSecrets,
  webhookUrlViolation,
} from '../../lib/domain/reseller-webhooks.js';
import { verifySignature } from '../../lib/domain/webhook-signature.js';

describe('reseller webhook URLs', () => {
  it.each([
    ['http://127.0.0.1:8080/hook', undefined],
    ['https://localhost/hook', undefined],
    ['http://[::1]:9000/', undefined],
    [
      'https://erp.example.co.id/hook',
      'the local stack delivers to loopback receivers only (127.0.0.1, localhost, [::1])',
    ],
    ['ftp://127.0.0.1/', 'must be an http or https URL'],
    ['http://user:pw@127.0.0.1/', 'must not carry credentials'],
    ['not a url', 'must be an absolute URL'],
  ])('on the local stack, %s -> %s', (url, expected) => {
    expect(webhookUrlViolation(url, 'local')).toBe(expected);
  });

  it.each([
    ['https://erp.example.co.id/hook', undefined],
    ['http://erp.example.co.id/hook', 'must be an https URL'],
    ['https://127.0.0.1/hook', 'must be a public host (not loopback, private or link-local)'],
    [
      'https://169.254.169.254/latest/meta-data',
      'must be a public host (not loopback, private or link-local)',
    ],
    ['https://10.1.2.3/', 'must be a public host (not loopback, private or link-local)'],
    ['https://172.20.0.1/', 'must be a public host (not loopback, private or link-local)'],
    ['https://192.168.1.1/', 'must be a public host (not loopback, private or link-local)'],
    ['https://[::1]/', 'must be a public host (not loopback, private or link-local)'],
    ['https://service.internal/', 'must be a public host (not loopback, private or link-local)'],
  ])('on AWS, %s -> %s', (url, expected) => {
    expect(webhookUrlViolation(url, 'production')).toBe(expected);
  });
});

describe('retries', () => {
  it('doubles from the base, at most 6 h a wait', () => {
    expect([1, 2, 3, 4, 5].map((retry) => retryDelaySeconds(retry, 10))).toEqual([10, 20, 40, 80, 160]);
    expect(retryDelaySeconds(30, 10)).toBe(6 * 3_600);
  });

  it('gives up when the next attempt would fall past the 24 h window', () => {
    // Arrange
    const start = new Date('2026-12-01T00:00:00.000Z');
    const settings = { baseSeconds: 10, windowSeconds: 24 * 3_600 };
    let now = start;
    const attempts: string[] = [];

    // Act: fail every attempt until the schedule gives up.
    for (let failed = 1; failed < 100; failed += 1) {
      const next = nextAttemptAfterFailure(
        { attemptsSoFar: failed, windowStartsAt: start.toISOString() },
        now,
        settings,
      );
      if (next.kind === 'GIVE_UP') break;
      attempts.push(next.at.toISOString());
      now = next.at;
    }

    // Assert: every retry inside the window, the last one within 6 h of its end.
    expect(attempts.length).toBeGreaterThan(10);
    const last = Date.parse(attempts.at(-1) ?? '');
    expect(last).toBeLessThanOrEqual(start.getTime() + 24 * 3_600_000);
    expect(last).toBeGreaterThan(start.getTime() + 18 * 3_600_000);
  });
});

describe('signatures and ids', () => {
  it('signs with every valid secret, so a receiver holding either verifies during a rotation', () => {
    // Arrange
    const body = '{"id":"EV_X"}';
    const now = new Date('2026-12-01T00:00:00.000Z');
    const endpoint = {
      secret: 'whsec_new',
      previousSecret: 'whsec_old',
      previousSecretExpiresAt: '2026-12-02T00:00:00.000Z',
    };
    const t = Math.floor(now.getTime() / 1000);

    // Act
    const during = signWithSecrets(signingSecrets(endpoint, now), body, t);
    const after = signWithSecrets(signingSecrets(endpoint, new Date('2026-12-02T00:00:01.000Z')), body, t);

    // Assert
    for (const secret of ['whsec_new', 'whsec_old'])
      expect(verifySignature({ secret, header: during, rawBody: body, nowUnixSeconds: t })).toBe('VALID');
    expect(verifySignature({ secret: 'whsec_old', header: after, rawBody: body, nowUnixSeconds: t })).toBe(
      'MISMATCH',
    );
    expect(verifySignature({ secret: 'whsec_new', header: after, rawBody: body, nowUnixSeconds: t })).toBe(
      'VALID',
    );
  });

  it('names an event by what it reports: the same fact, the same id', () => {
    expect(resellerEventId('order.fulfilled', 'SO_A')).toBe(resellerEventId('order.fulfilled', 'SO_A'));
    expect(resellerEventId('order.fulfilled', 'SO_A')).not.toBe(resellerEventId('order.reserved', 'SO_A'));
    expect(resellerEventId('order.fulfilled', 'SO_A')).toMatch(/^EV_[0-9A-Z]{26}$/);
  });
});

describe('days of cover and stock.low', () => {
  const now = new Date('2026-12-10T00:00:00.000Z');

  it('divides stock on hand by the higher of the average since the first sale and the last 24 h', () => {
    // 100 sold over 10 days (10 a day), 30 of them in the last 24 h: the recent rate counts.
    expect(daysOfCover({ onHand: 60, sold: 100, firstSaleAt: '2026-11-30T00:00:00.000Z', now })).toBe(6);
    expect(
      daysOfCover({ onHand: 60, sold: 100, firstSaleAt: '2026-11-30T00:00:00.000Z', soldLast24h: 30, now }),
    ).toBe(2);
    // The first selling day counts as a whole day; no sale yet, no figure.
    expect(daysOfCover({ onHand: 5, sold: 5, firstSaleAt: '2026-12-09T23:59:00.000Z', now })).toBe(1);
    expect(daysOfCover({ onHand: 5, sold: 0, now })).toBeUndefined();
  });

  it('fires once per episode: below the threshold, then only after recovering above 1.25 x the threshold', () => {
    expect(lowStockStep(false, 1.9, 2)).toBe('BECOMES_LOW');
    expect(lowStockStep(false, 2, 2)).toBe('UNCHANGED');
    expect(lowStockStep(false, undefined, 2)).toBe('UNCHANGED');
    expect(lowStockStep(true, 1, 2)).toBe('UNCHANGED');
    expect(lowStockStep(true, 2.4, 2)).toBe('UNCHANGED');
    expect(lowStockStep(true, 2.5, 2)).toBe('RECOVERS');
  });
});
