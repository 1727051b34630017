/** Small statistics for the benchmark's report. */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export const percentile = (samples: readonly number[], p: number): number => {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
};

export const mean = (samples: readonly number[]): number =>
  samples.length === 0 ? Number.NaN : samples.reduce((sum, value) => sum + value, 0) / samples.length;

/** kuota ÷ baseline, as printed in the report ("—" when undefined). */
export const ratio = (kuota: number, baseline: number): number =>
  baseline === 0 || !Number.isFinite(baseline) || !Number.isFinite(kuota) ? Number.NaN : kuota / baseline;
