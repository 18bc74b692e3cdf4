import { type RandomGenerator, unsafeUniformIntDistribution } from 'pure-rand';
import { percentile } from '../percentile.ts';

/** Shift of the median and its bootstrap confidence interval. */
export interface MedianShift {
  /** median(new) − median(base). */
  shift: number;
  ciLow: number;
  ciHigh: number;
}

/** Resamples per interval, as the reference (`n_iter=1000`). */
export const BOOTSTRAP_RESAMPLES = 1000;

/**
 * Percentile bootstrap of median(new) − median(base), as `scipy.stats.bootstrap((base, new),
 * statistic, method='percentile', paired=False, n_resamples=1000, confidence_level=0.95)`: each
 * resample draws base and new independently with replacement, and the interval is the 2.5th and
 * 97.5th percentiles (linear interpolation) of the 1000 resampled differences (Efron & Tibshirani
 * 1993, "An Introduction to the Bootstrap", §13.3).
 *
 * `rng` is advanced in place; the caller seeds it so that the result is reproducible.
 *
 * @example
 * bootstrapMedianShift([10, 11, 12], [20, 21, 22], xoroshiro128plus(1)).shift; // 10
 */
export function bootstrapMedianShift(
  base: readonly number[],
  next: readonly number[],
  rng: RandomGenerator,
): MedianShift {
  const diffs: number[] = [];
  const baseDraw = new Float64Array(base.length);
  const newDraw = new Float64Array(next.length);
  for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) {
    resample(base, baseDraw, rng);
    resample(next, newDraw, rng);
    diffs.push(sortedMedian(newDraw.sort()) - sortedMedian(baseDraw.sort()));
  }
  diffs.sort((a, b) => a - b);
  return {
    shift: sortedMedian(Float64Array.from(next).sort()) - sortedMedian(Float64Array.from(base).sort()),
    ciLow: percentile(diffs, 2.5),
    ciHigh: percentile(diffs, 97.5),
  };
}

function resample(source: readonly number[], target: Float64Array, rng: RandomGenerator): void {
  const last = source.length - 1;
  for (let i = 0; i < target.length; i++) {
    target[i] = source[unsafeUniformIntDistribution(0, last, rng)] as number;
  }
}

function sortedMedian(sorted: Float64Array): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
