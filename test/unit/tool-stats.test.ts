import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../tools/common/random.js';
import { percentile } from '../../tools/common/stats.js';
import { summarize } from '../../tools/surge/stats.js';

describe('the tools’ one percentile', () => {
  it('is the nearest rank, sorted or not', () => {
    const samples = [50, 10, 40, 20, 30];
    expect(percentile(samples, 50)).toBe(30);
    expect(percentile(samples, 99)).toBe(50);
    expect(percentile(samples, 0)).toBe(10);
    expect(percentile([10, 20, 30, 40, 50], 80, { sorted: true })).toBe(40);
  });

  it('is NaN of no samples; the surge summary reads 0 there', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([])).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
  });
});

describe('the tools’ one seeded generator', () => {
  it('replays the same sequence from the same seed, in [0, 1)', () => {
    const a = seededRandom(20_240_906);
    const b = seededRandom(20_240_906);
    const drawn = Array.from({ length: 1_000 }, () => a());
    expect(Array.from({ length: 1_000 }, () => b())).toEqual(drawn);
    expect(drawn.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(seededRandom(1)()).not.toBe(seededRandom(2)());
  });
});
