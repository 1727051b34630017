import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The slowest test files, slowest first (seconds of one clean CI run, 2026-12-02). A clean checkout has no
 * vitest duration cache, so vitest would order these by file size, and the small 200-second reconciliation
 * file started last: one worker ran it alone for minutes after the other had finished. Started first, the
 * two workers end together. Files not listed keep vitest's own order (cached durations, else file size).
 */
export const SLOWEST_FILES = [
  'test/security/bounded-reconciliation.test.ts', // 202 s
  'test/security/bounded-lists.test.ts', // 134 s
  'test/security/fuzz.test.ts', // 100 s
  'test/integration/surge-crash-restart.test.ts', // 66 s
  'test/integration/surge-short.test.ts', // 64 s
  'test/security/bounded-alerts.test.ts', // 53 s
  'test/security/tenant-isolation.test.ts', // 51 s
];

const rank = (specification: TestSpecification): number => {
  const index = SLOWEST_FILES.findIndex((file) => specification.moduleId.endsWith(file));
  return index < 0 ? SLOWEST_FILES.length : index;
};

export default class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const projectOrder = new Map(ordered.map((file, index) => [file.project.name, index]));
    // Projects still run one after the other (vitest's order); within one, the slowest files go first.
    return [...ordered].sort(
      (a, b) =>
        (projectOrder.get(a.project.name) ?? 0) - (projectOrder.get(b.project.name) ?? 0) ||
        rank(a) - rank(b),
    );
  }
}
