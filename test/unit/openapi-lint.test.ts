import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The contract checked by a linter nobody here wrote: Redocly's recommended rules (security on every
 * operation, declared schemes, servers, valid schemas, a license, a 4xx on every operation). Errors and
 * warnings both fail.
 */
describe('docs/openapi.json under Redocly', () => {
  it('has no errors and no warnings', () => {
    // Act
    const run = spawnSync('npx', ['redocly', 'lint', 'docs/openapi.json', '--format=json'], {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    const report = JSON.parse(run.stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; severity: string; message: string }[];
    };

    // Assert
    expect(
      report.problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message}`),
    ).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);
});
