import { mean, median, sampleStandardDeviation } from 'simple-statistics';
import { pythonRound } from '../python-round.ts';

/** The header whose runs are noise figures rather than timings (reference: `NOISE_METRIC_HEADER`). */
const NOISE_METRIC_HEADER = 'noise metric';

/** Location and spread of one side's runs, as the Student-t row shows them. */
export interface RunSummary {
  /** Arithmetic mean; sqrt(Σx²) for the `noise metric` header; 0 without runs. */
  avg: number;
  /** Median (mean of the two middle values for an even count); 0 without runs. */
  median: number;
  /** Sample standard deviation (n − 1); 0 below two runs; always 1 for `noise metric`. */
  stddev: number;
  /** `round(100·stddev/avg, 2)` with Python's round-half-even; 0 when either is 0. */
  stddevPct: number;
}

/**
 * Summarises one side's runs for the Student-t comparison (spec §3.12, Student-t table).
 *
 * The noise-metric header is special in the reference: its runs are combined as a root sum of
 * squares and its spread is pinned to 1, so the row compares noise magnitudes, not means.
 * An empty noise-metric side is 0 here; the reference raises (reduce of an empty list) and answers
 * 500, which this project does not reproduce.
 *
 * @example
 * runSummary([1, 2, 3], 'suite opt'); // { avg: 2, median: 2, stddev: 1, stddevPct: 50 }
 */
export function runSummary(values: readonly number[], headerName: string): RunSummary {
  const n = values.length;
  const list = values as number[];
  const isNoiseMetric = headerName === NOISE_METRIC_HEADER;
  const avg = isNoiseMetric ? Math.sqrt(values.reduce((sum, x) => sum + x * x, 0)) : n > 0 ? mean(list) : 0;
  const stddev = isNoiseMetric ? 1 : n >= 2 ? sampleStandardDeviation(list) : 0;
  return {
    avg,
    median: n > 0 ? median(list) : 0,
    stddev,
    stddevPct: stddevPct(avg, stddev),
  };
}

function stddevPct(avg: number, stddev: number): number {
  if (stddev === 0 || avg === 0) {
    return 0;
  }
  // Reference: round(get_percentage(stddev, avg) * 100) / 100 — Python's round() breaks ties to even.
  return pythonRound(((100 * stddev) / avg) * 100) / 100;
}
