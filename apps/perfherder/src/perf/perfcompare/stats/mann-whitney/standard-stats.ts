import { max, mean, median, min, sampleStandardDeviation, variance } from 'simple-statistics';

/** Descriptive statistics of one side, as the Mann-Whitney row's `*_standard_stats`. */
export interface StandardStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  /** Population variance (divisor n), numpy's `np.var` default. */
  variance: number;
  /** Sample standard deviation (divisor n − 1); 0 below two values. */
  stddev: number;
  /** 100·stddev/mean; 0 when the mean is 0. */
  stddev_pct: number;
}

/**
 * Descriptive statistics of one side's values (spec §3.12, `base_standard_stats`): every field is
 * 0 for an empty side. Numbers are not rounded.
 *
 * @example
 * standardStats([32.4]); // { count: 1, min: 32.4, max: 32.4, mean: 32.4, median: 32.4, variance: 0, stddev: 0, stddev_pct: 0 }
 */
export function standardStats(values: readonly number[]): StandardStats {
  const n = values.length;
  if (n === 0) {
    return { count: 0, min: 0, max: 0, mean: 0, median: 0, variance: 0, stddev: 0, stddev_pct: 0 };
  }
  const list = values as number[];
  const average = mean(list);
  const stddev = n >= 2 ? sampleStandardDeviation(list) : 0;
  return {
    count: n,
    min: min(list),
    max: max(list),
    mean: average,
    median: median(list),
    variance: variance(list),
    stddev,
    stddev_pct: average === 0 ? 0 : (100 * stddev) / average,
  };
}
