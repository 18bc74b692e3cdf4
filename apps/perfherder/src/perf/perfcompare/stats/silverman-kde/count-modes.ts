import { percentile } from '../percentile.ts';
import { findPeaks } from './find-peaks.ts';
import { gaussianFilter1d } from './gaussian-filter-1d.ts';

/** The modes found in a density. */
export interface ModeCount {
  count: number;
  /** Grid indices of the modes, ascending. */
  indices: number[];
  /** x of each mode. */
  locations: number[];
  /** The prominence threshold a peak had to reach. */
  prominence: number;
}

/** Bounds of the prominence threshold, as fractions of the smoothed density's maximum. */
const MIN_PROMINENCE_FRACTION = 0.02;
const MAX_PROMINENCE_FRACTION = 0.2;
/** Modes closer than this fraction of the grid's span are one mode with "horns". */
const MIN_SEPARATION_FRACTION = 0.05;

/**
 * Counts the modes of a density on a grid, with the reference's recipe (treeherder/perf/stats.py,
 * `count_modes`, restated):
 *
 * 1. smooth the density with a Gaussian filter of σ = 2 grid steps;
 * 2. estimate the noise as the 90th percentile of |dy/dx| (central differences inside, one-sided
 *    at the ends, as `numpy.gradient`);
 * 3. the prominence threshold is that noise clipped to [2 %, 20 %] of the smoothed maximum;
 * 4. peaks (scipy `find_peaks` semantics) must reach the threshold and be at least 5 % of the
 *    grid's span apart.
 *
 * @example
 * countModes(x, y).count; // 2 for a clearly bimodal density
 */
export function countModes(x: Float64Array, y: Float64Array): ModeCount {
  const smooth = gaussianFilter1d(y, 2);
  const n = smooth.length;
  const dx = (x[1] as number) - (x[0] as number);
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - 1);
    const hi = Math.min(n - 1, i + 1);
    slopes.push(
      Math.abs(((smooth[hi] as number) - (smooth[lo] as number)) / ((x[hi] as number) - (x[lo] as number))),
    );
  }
  slopes.sort((a, b) => a - b);
  const noise = percentile(slopes, 90);
  let top = 0;
  for (const v of smooth) {
    top = Math.max(top, v);
  }
  const threshold = Math.min(Math.max(noise, MIN_PROMINENCE_FRACTION * top), MAX_PROMINENCE_FRACTION * top);
  const span = (x[n - 1] as number) - (x[0] as number);
  const distance = Math.max(1, Math.trunc((span * MIN_SEPARATION_FRACTION) / dx));
  const peaks = findPeaks(smooth, { prominence: threshold, distance });
  const indices = peaks.map((p) => p.index);
  return {
    count: indices.length,
    indices,
    locations: indices.map((i) => x[i] as number),
    prominence: threshold,
  };
}
