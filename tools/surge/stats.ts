import { percentile } from '../common/stats.js';

/** Latency summaries: exact percentiles over every recorded value (a surge records at most a few 100k). */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

const round = (value: number) => Math.round(value * 10) / 10;

/** A surge's summary reads 0 where nothing was measured (its report and charts show numbers, not gaps). */
const percentileOr0 = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? 0 : percentile(sorted, p, { sorted: true });

export const summarize = (values: readonly number[]): LatencySummary => {
  const sorted = [...values].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50: round(percentileOr0(sorted, 50)),
    p95: round(percentileOr0(sorted, 95)),
    p99: round(percentileOr0(sorted, 99)),
    max: round(sorted.at(-1) ?? 0),
    mean: round(sorted.length > 0 ? total / sorted.length : 0),
  };
};

/** Bucket counts for a histogram chart: upper bounds in ms and how many values fell at or under each. */
export const histogram = (values: readonly number[], bounds: readonly number[]) => {
  const counts = bounds.map(() => 0);
  let over = 0;
  for (const value of values) {
    const index = bounds.findIndex((bound) => value <= bound);
    if (index < 0) over += 1;
    else counts[index] = (counts[index] ?? 0) + 1;
  }
  return { bounds: [...bounds], counts, over };
};
