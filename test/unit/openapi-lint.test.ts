import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The contract checked by a linter nobody here wrote: Redocly's recommended rules (security on every
 * operation, declared schemes, servers, valid schemas). Errors fail; its warnings are listed in the output.
 */
describe('docs/openapi.json under Redocly', () => {
  it('has no errors', () => {
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
    expect(report.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 60_000);
});
