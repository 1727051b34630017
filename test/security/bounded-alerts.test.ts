import { describe, expect, it } from 'vitest';
import { alertsOfKind, resellerKey } from '../integration/oversight-support.js';
import { useTestCloud } from '../support/cloud.js';
import { mapLimit, scanMain } from '../support/flows.js';

/**
 * Work a caller can cause stays bounded: a reseller that repeats a refused fee-cap attempt 5,000 times
 * leaves one alert for the day with a count of 5,000, not 5,000 alerts for the regulator's dashboard to read
 * (it used to store one alert per attempt).
 */
const ATTEMPTS = 5_000;

const kuota = useTestCloud();

describe('alerts under a repeated refused call', () => {
  it('keeps one alert per kind, reseller and day, counting 5,000 fee-cap attempts', {
    timeout: 120_000,
  }, async () => {
    // Act
    const statuses = await mapLimit(
      Array.from({ length: ATTEMPTS }, (_, index) => index),
      50,
      async (index) =>
        (
          await kuota.api.put('/v1/wholesale/storefront', {
            apiKey: resellerKey(kuota, 'R09'),
            body: { serviceFeeIdr: 3_000 + (index % 7), open: true },
          })
        ).status,
    );
    const alerts = (await alertsOfKind(kuota, 'FEE_CAP_VIOLATION_ATTEMPT')).filter(
      (alert) => alert.resellerId === 'R09',
    );
    const storedAlerts = (await scanMain(kuota, 'ALERTS#')).filter((item) => item.resellerId === 'R09');

    // Assert
    expect(statuses.filter((status) => status === 422)).toHaveLength(ATTEMPTS);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ occurrences: ATTEMPTS });
    expect(storedAlerts).toHaveLength(1);
  });
});
