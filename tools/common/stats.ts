/** Small statistics shared by the bench, the surge and the stamping bench. */

/**
 * Nearest-rank percentile (p in 0..100): the smallest sample with at least p% of the samples at or under
 * it. Of no samples it is NaN, not 0: "no measurement" must not read as "0 ms" (the bench prints NaN as
 * "—" and writes it to JSON as null; a caller that wants 0 says so, as `summarize` in tools/surge/stats.ts
 * does). `sorted: true` skips the sort for samples already in ascending order.
 */
export const percentile = (
  samples: readonly number[],
  p: number,
  { sorted = false }: { readonly sorted?: boolean } = {},
): number => {
  if (samples.length === 0) return Number.NaN;
  const ordered = sorted ? samples : [...samples].sort((a, b) => a - b);
  const rank = Math.min(ordered.length, Math.max(1, Math.ceil((p / 100) * ordered.length)));
  return ordered[rank - 1] as number;
};

export const mean = (samples: readonly number[]): number =>
  samples.length === 0 ? Number.NaN : samples.reduce((sum, value) => sum + value, 0) / samples.length;

/** kuota ÷ baseline, as printed in the report ("—" when undefined). */
export const ratio = (kuota: number, baseline: number): number =>
  baseline === 0 || !Number.isFinite(baseline) || !Number.isFinite(kuota) ? Number.NaN : kuota / baseline;
