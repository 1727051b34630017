import { defineConfig } from 'vitest/config';
import SlowestFirstSequencer from './test/support/sequencer.js';

/**
 * Two tiers: `unit` (pure code, the CDK templates and the contract; no emulator, seconds) and
 * `integration` (the real handlers on the local runtime against DynamoDB Local and fauxqs, which its
 * global setup starts once for the run). `npm test` runs both; `npm run test:unit` only the first.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: {
      KUOTA_LOG_LEVEL: 'SILENT',
      // Powertools' EMF lines stay off the test output; the tests of the metrics turn them on.
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    reporters: ['default'],
    sequence: { sequencer: SlowestFirstSequencer },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/cdk/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'test/integration/**/*.test.ts',
            'test/security/**/*.test.ts',
            'test/browser/**/*.test.ts',
          ],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
