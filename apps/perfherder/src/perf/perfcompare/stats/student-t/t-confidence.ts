import { mean, sampleStandardDeviation } from 'simple-statistics';

/** Spread assumed for a side with a single run: 15 % of its mean (reference `STDDEV_DEFAULT_FACTOR`). */
const STDDEV_DEFAULT_FACTOR = 0.15;

/**
 * The reference's `|t|` "confidence" of a base/new change (spec §3.12, `confidence`): a Welch-style
 * t statistic, |mean_new − mean_base| / sqrt(sd_b²/n_b + sd_n²/n_n), with its own rules for tiny
 * samples:
 *
 * 1. 0 when either side has no runs.
 * 2. A side with one run has no sample spread; it borrows the other side's coefficient of
 *    variation (sd_b = x_b0·sd_n/mean_n), or 15 % of its mean when both sides have one run.
 * 3. Any division by zero gives 0 (the reference catches ZeroDivisionError).
 *
 * Always computed on the plain means, also for the `noise metric` header.
 *
 * @example
 * tConfidence([10, 11, 12], [20, 21, 22]); // 12.247…
 */
export function tConfidence(base: readonly number[], next: readonly number[]): number {
  const nBase = base.length;
  const nNew = next.length;
  if (nBase === 0 || nNew === 0) {
    return 0;
  }
  const meanBase = mean(base as number[]);
  const meanNew = mean(next as number[]);
  let sdBase = nBase > 1 ? sampleStandardDeviation(base as number[]) : STDDEV_DEFAULT_FACTOR * meanBase;
  let sdNew = nNew > 1 ? sampleStandardDeviation(next as number[]) : STDDEV_DEFAULT_FACTOR * meanNew;
  if (nBase === 1) {
    if (meanNew === 0) {
      return 0;
    }
    sdBase = ((base[0] as number) * sdNew) / meanNew;
  } else if (nNew === 1) {
    if (meanBase === 0) {
      return 0;
    }
    sdNew = ((next[0] as number) * sdBase) / meanBase;
  }
  const standardError = Math.sqrt((sdBase * sdBase) / nBase + (sdNew * sdNew) / nNew);
  if (standardError === 0) {
    return 0;
  }
  return Math.abs((meanNew - meanBase) / standardError);
}
