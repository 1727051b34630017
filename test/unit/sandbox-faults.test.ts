import { describe, expect, it } from 'vitest';
import { WebhookFaults } from '../../lib/api/schemas.js';
import { planDeliveries } from '../../lib/sandbox/faults.js';
import { seededRandom } from '../../tools/common/random.js';

const faults = (settings: Record<string, unknown> = {}) => WebhookFaults.parse(settings);

describe('planDeliveries', () => {
  it('sends exactly one copy at once when there are no faults', () => {
    // Arrange
    const random = seededRandom(1);

    // Act
    const plans = Array.from({ length: 100 }, () => planDeliveries(faults(), random));

    // Assert
    for (const plan of plans) expect(plan).toEqual([0]);
  });

  it('drops every webhook at dropRate 1', () => {
    // Arrange
    const random = seededRandom(2);

    // Act
    const plans = Array.from({ length: 100 }, () =>
      planDeliveries(faults({ dropRate: 1, duplicateRate: 1 }), random),
    );

    // Assert
    for (const plan of plans) expect(plan).toEqual([]);
  });

  it('sends 25 copies (the cap) at duplicateRate 1', () => {
    // Arrange
    const random = seededRandom(3);

    // Act
    const plan = planDeliveries(faults({ duplicateRate: 1 }), random);

    // Assert
    expect(plan).toEqual(Array(25).fill(0));
  });

  it('drops about dropRate of the webhooks', () => {
    // Arrange
    const random = seededRandom(4);
    const trials = 10_000;

    // Act
    const dropped = Array.from({ length: trials }, () =>
      planDeliveries(faults({ dropRate: 0.3 }), random),
    ).filter((plan) => plan.length === 0).length;

    // Assert
    expect(dropped / trials).toBeGreaterThan(0.28);
    expect(dropped / trials).toBeLessThan(0.32);
  });

  it('sends 1 / (1 - duplicateRate) copies on average, never more than 25', () => {
    // Arrange
    const random = seededRandom(5);
    const trials = 10_000;

    // Act
    const copies = Array.from(
      { length: trials },
      () => planDeliveries(faults({ duplicateRate: 0.5 }), random).length,
    );

    // Assert
    const mean = copies.reduce((sum, count) => sum + count, 0) / trials;
    expect(mean).toBeGreaterThan(1.9);
    expect(mean).toBeLessThan(2.1);
    expect(Math.min(...copies)).toBe(1);
    expect(Math.max(...copies)).toBeLessThanOrEqual(25);
  });

  it('delays every copy by delayMs rounded up to whole seconds (SQS DelaySeconds)', () => {
    // Arrange
    const settings = faults({ delayMs: 1_500, duplicateRate: 1 });

    // Act
    const plan = planDeliveries(settings, seededRandom(6));

    // Assert
    expect(plan).toEqual(Array(25).fill(2));
  });

  it('spreads reordered copies over up to 4 extra seconds, within the SQS limit of 900 s', () => {
    // Arrange
    const random = seededRandom(7);

    // Act
    const reordered = planDeliveries(faults({ duplicateRate: 1, reorder: true }), random);
    const capped = planDeliveries(faults({ duplicateRate: 1, reorder: true, delayMs: 900_000 }), random);

    // Assert
    expect(new Set(reordered).size).toBeGreaterThan(1);
    for (const delay of reordered) expect(delay).toBeGreaterThanOrEqual(0);
    for (const delay of reordered) expect(delay).toBeLessThanOrEqual(4);
    for (const delay of capped) expect(delay).toBe(900);
  });

  it('plans the same deliveries for the same seed', () => {
    // Arrange
    const settings = faults({ dropRate: 0.2, duplicateRate: 0.6, reorder: true, delayMs: 2_000 });

    // Act
    const first = Array.from(
      { length: 50 },
      (
        (random) => () =>
          planDeliveries(settings, random)
      )(seededRandom(8)),
    );
    const second = Array.from(
      { length: 50 },
      (
        (random) => () =>
          planDeliveries(settings, random)
      )(seededRandom(8)),
    );

    // Assert
    expect(second).toEqual(first);
  });
});
