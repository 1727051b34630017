import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContractViolation, checkAnswer, undeclaredProperties } from '../support/contract.js';

/** The integration tests' contract check itself: it must catch a leak and a wrong shape, and pass a good answer. */
describe('the response contract check', () => {
  it('names every property the schema does not declare, at any depth', () => {
    // Arrange
    const schema = z.object({ alerts: z.array(z.object({ alertId: z.string() })) });
    const received = { alerts: [{ alertId: 'A1', pk: 'ALERTS#2026-12-01', sk: 'x' }], entity: 'Alert' };

    // Act
    const extra = undeclaredProperties(received, schema.parse(received));

    // Assert
    expect(extra).toEqual(['$.alerts[0].pk', '$.alerts[0].sk', '$.entity']);
  });

  it('refuses an answer with storage keys, a wrong shape or an undeclared status, and passes a declared one', () => {
    // Arrange
    const url = 'http://127.0.0.1:1/v1/stamps/ABC';
    const stamp = {
      serial: 'ABC',
      status: 'SOLD',
      resellerId: 'R01',
      soldAt: '2026-12-01T00:00:00.000Z',
    };

    // Act
    const leak = () => checkAnswer('GET', url, 200, 'application/json', { ...stamp, pk: 'SORDER#1' });
    const wrong = () => checkAnswer('GET', url, 200, 'application/json', { ...stamp, status: 42 });
    const undeclared = () => checkAnswer('GET', url, 418, 'application/json', {});
    const good = () => checkAnswer('GET', url, 200, 'application/json; charset=utf-8', stamp);

    // Assert
    expect(leak).toThrow(ContractViolation);
    expect(leak).toThrow(/\$\.pk/);
    expect(wrong).toThrow(/does not match its schema/);
    expect(undeclared).toThrow(/not a status the route declares/);
    expect(good).not.toThrow();
  });
});
