import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

/**
 * Runs vitest and ends with one plain summary line ("N passed, N failed, N skipped") that CI reads.
 * Arguments are passed to vitest as they are (e.g. a file filter, `--project unit`): this script reads
 * none of them, so it has no parser of its own (tools/common/args.ts) and no --help but vitest's.
 */
mkdirSync('test-artifacts', { recursive: true });
const report = 'test-artifacts/vitest.json';
const run = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
let summary = 'tests: no report written';
try {
  const result = JSON.parse(readFileSync(report, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
  };
  summary = `${result.numPassedTests} passed, ${result.numFailedTests} failed, ${result.numPendingTests + result.numTodoTests} skipped`;
} catch {
  // vitest did not get far enough to write its report; its own output says why.
}
console.log(`\n${summary}`);
process.exit(run.status ?? 1);
