import { describe, expect, it } from 'vitest';
import { ALERT_KINDS, alertIdOf } from '../../lib/domain/alerts.js';
import {
  exceedsHoldingCap,
  holdingCapRoom,
  isActive,
  statusAfter,
  storefrontState,
} from '../../lib/domain/resellers.js';

/** The reseller rules outside the sale path: suspension, the storefront's state, the holding cap, alert keys. */
describe('reseller rules', () => {
  it('suspends and resumes, and only an active reseller buys or sells', () => {
    expect(statusAfter('SUSPEND')).toBe('SUSPENDED');
    expect(statusAfter('RESUME')).toBe('ACTIVE');
    expect(isActive({ status: 'ACTIVE' })).toBe(true);
    expect(isActive({ status: 'SUSPENDED' })).toBe(false);
  });

  it('shows a suspended storefront as suspended, whatever its own open flag', () => {
    expect(storefrontState({ status: 'ACTIVE', storefrontOpen: true })).toBe('OPEN');
    expect(storefrontState({ status: 'ACTIVE', storefrontOpen: false })).toBe('CLOSED');
    expect(storefrontState({ status: 'SUSPENDED', storefrontOpen: true })).toBe('SUSPENDED');
  });

  it('lets holdings reach the cap exactly, never pass it', () => {
    expect(exceedsHoldingCap(90, 10, 100)).toBe(false);
    expect(exceedsHoldingCap(90, 11, 100)).toBe(true);
    expect(holdingCapRoom(90, 100)).toBe(10);
    expect(holdingCapRoom(120, 100)).toBe(0);
  });

  it('keys an alert by its kind and subject, so a recurrence finds the same alert', () => {
    expect(alertIdOf('NIK_CAP_REACHED', 'h4sh', '2026-12-01')).toBe('NIK_CAP_REACHED#h4sh#2026-12-01');
    expect(alertIdOf('FEE_CAP_VIOLATION_ATTEMPT', 'R07')).toBe(alertIdOf('FEE_CAP_VIOLATION_ATTEMPT', 'R07'));
    expect(new Set(ALERT_KINDS).size).toBe(ALERT_KINDS.length);
  });
});
