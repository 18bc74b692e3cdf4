import { type ChangeClass, changeClass } from './change-class.ts';
import {
  type ConfidenceText,
  confidenceText,
  T_VALUE_CARE_MIN,
  T_VALUE_CONFIDENCE,
} from './confidence-text.ts';
import { runSummary } from './run-summary.ts';
import { tConfidence } from './t-confidence.ts';

/** One (header, platform) row's data for the Student-t comparison. */
export interface StudentTInput {
  /** Base revision's stats values (datum values, or replicates when `replicates=true`). */
  base: number[];
  /** New revision's stats values. */
  new: number[];
  lowerIsBetter: boolean;
  /** Both sides have at least one value (the row's `is_complete`). */
  isComplete: boolean;
  /** The row's header; `"noise metric"` switches the averages to a root sum of squares. */
  headerName: string;
}

/**
 * The Student-t ("V1") fields of a PerfCompare row, keyed as in the JSON response.
 * Numbers are not rounded: the serializer quantizes them to 2 dp (see `quantize2`).
 */
export interface StudentTResult {
  base_avg_value: number;
  new_avg_value: number;
  base_median_value: number;
  new_median_value: number;
  base_stddev: number;
  new_stddev: number;
  base_stddev_pct: number;
  new_stddev_pct: number;
  confidence: number;
  confidence_text: ConfidenceText;
  delta_value: number;
  delta_percentage: number;
  magnitude: number;
  new_is_better: boolean;
  is_confident: boolean;
  more_runs_are_needed: boolean;
  noise_metric: false;
  is_improvement: boolean;
  is_regression: boolean;
  /** True when the class is `""` — the reference's naming, kept as is (spec: "sic"). */
  is_meaningful: boolean;
}

/** Runs per side from which a Medium confidence is already trusted. */
const CONFIDENT_RUN_COUNT = 6;

/**
 * Computes the Student-t comparison of one PerfCompare row (spec §3.12, "Student-t version").
 *
 * Means use simple-statistics' compensated sum; Python's `statistics.mean` rounds an exact rational
 * sum once, so the two can differ in the last bit, far below the 2-dp output.
 *
 * @example
 * const row = compareStudentT({
 *   base: [100, 101, 99], new: [110, 111, 109], lowerIsBetter: true, isComplete: true, headerName: 'a11yr opt',
 * });
 * row.is_regression; // true (10 % slower with |t| ≈ 12.2)
 */
export function compareStudentT(input: StudentTInput): StudentTResult {
  const base = runSummary(input.base, input.headerName);
  const next = runSummary(input.new, input.headerName);
  const nBase = input.base.length;
  const nNew = input.new.length;

  const confidence = tConfidence(input.base, input.new);
  const deltaValue = next.avg - base.avg;
  const deltaPercentage = base.avg === 0 ? 0 : (100 * deltaValue) / base.avg;
  const newIsBetter = input.lowerIsBetter ? deltaValue < 0 : deltaValue > 0;
  const isConfident =
    (nBase > 1 && nNew > 1 && confidence >= T_VALUE_CONFIDENCE) ||
    (nBase >= CONFIDENT_RUN_COUNT && nNew >= CONFIDENT_RUN_COUNT && confidence >= T_VALUE_CARE_MIN);
  const cls: ChangeClass = changeClass({ newIsBetter, baseAvg: base.avg, newAvg: next.avg, confidence });

  return {
    base_avg_value: base.avg,
    new_avg_value: next.avg,
    base_median_value: base.median,
    new_median_value: next.median,
    base_stddev: base.stddev,
    new_stddev: next.stddev,
    base_stddev_pct: base.stddevPct,
    new_stddev_pct: next.stddevPct,
    confidence,
    confidence_text: confidenceText(confidence),
    delta_value: deltaValue,
    delta_percentage: deltaPercentage,
    // An arbitrary 0–20 % scale stretched to 0–100 (20 % change = 100).
    magnitude: Math.min(Math.abs(deltaPercentage) * 5, 100),
    new_is_better: newIsBetter,
    is_confident: isConfident,
    more_runs_are_needed: input.isComplete && !isConfident && nBase < CONFIDENT_RUN_COUNT,
    noise_metric: false,
    is_improvement: cls === 'success',
    is_regression: cls === 'danger',
    is_meaningful: cls === '',
  };
}
