import { sampleStandardDeviation } from 'simple-statistics';
import { percentile } from '../percentile.ts';

/** Φ⁻¹(0.75) − Φ⁻¹(0.25): the IQR of a standard normal. */
const NORMAL_IQR = 1.3489795003921634;
/** Φ⁻¹(0.99) − Φ⁻¹(0.01): the 1–99 % range of a standard normal. */
const NORMAL_1_99_RANGE = 4.6526957480816815;

/**
 * Silverman's rule-of-thumb bandwidth for a Gaussian kernel, in the form KDEpy's
 * `bw="silverman"` uses (the reference's KDE library):
 * h = min(s, IQR/1.349)·(3n/4)^(−1/5), with s the sample standard deviation
 * (Silverman 1986, "Density Estimation for Statistics and Data Analysis", eq. 3.31).
 *
 * Degenerate samples get KDEpy's fallbacks instead of an error: 1 for a single value; the 1–99 %
 * range scaled to a normal when the spread and the IQR are both 0; and 1 when even that is 0.
 *
 * @example
 * silvermanBandwidth([1, 2, 3, 4, 5]); // 1.1382 (IQR 2/1.349 < s = 1.58)
 */
export function silvermanBandwidth(values: readonly number[]): number {
  const n = values.length;
  if (n <= 1) {
    return 1;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const sd = sampleStandardDeviation(sorted);
  const iqr = (percentile(sorted, 75) - percentile(sorted, 25)) / NORMAL_IQR;
  const factor = ((n * 3) / 4) ** (-1 / 5);
  const sigma = Math.min(sd, iqr);
  if (sigma > 0) {
    return sigma * factor;
  }
  const wide = (percentile(sorted, 99) - percentile(sorted, 1)) / NORMAL_1_99_RANGE;
  return wide > 0 ? wide * factor : 1;
}
