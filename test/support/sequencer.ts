import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The slowest test files, slowest first (seconds in one clean CI run of ffb18ea, 2026-12-02). A clean
 * checkout has no vitest duration cache, so vitest would order these by file size, and the small
 * reconciliation file (then 274 s) started last: one worker ran it alone for minutes after the other had
 * finished. Started first, the two workers end together. Files not listed keep vitest's own order (cached
 * durations, else file size).
 */
export const SLOWEST_FILES = [
  'test/security/bounded-reconciliation.test.ts', // 168 s
  'test/security/bounded-lists.test.ts', // 147 s
  'test/integration/surge-crash-restart.test.ts', // 78 s
  'test/security/fuzz.test.ts', // 71 s
  'test/integration/surge-short.test.ts', // 45 s
  'test/integration/storefront-oversell.test.ts', // 37 s
  'test/security/bounded-alerts.test.ts', // 34 s
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
