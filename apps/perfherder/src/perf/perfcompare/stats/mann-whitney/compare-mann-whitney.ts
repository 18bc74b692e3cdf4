import { median } from 'simple-statistics';
import { formatFixed } from '../format-fixed.ts';
import { type SilvermanKde, silvermanKde } from '../silverman-kde/silverman-kde.ts';
import { type ClesSummary, clesSummary } from './cles-summary.ts';
import { cliffsDelta } from './cliffs-delta.ts';
import { ksTwoSample } from './ks-two-sample.ts';
import { mannWhitneyU } from './mann-whitney-u.ts';
import { type NormalityCheck, normalityCheck } from './normality-check.ts';
import { type StandardStats, standardStats } from './standard-stats.ts';

/** One (header, platform) row's data for the Mann-Whitney comparison. */
export interface MannWhitneyInput {
  base: number[];
  new: number[];
  lowerIsBetter: boolean;
  /** The request's `enable_silverman_kde`. */
  enableSilvermanKde: boolean;
}

export interface KsTest {
  test_name: 'Kolmogorov-Smirnov';
  stat: number;
  pvalue: number;
  interpretation: string;
}

export interface MannWhitneyTest {
  test_name: 'Mann-Whitney U';
  /** U of the base sample (scipy's `mannwhitneyu(base, new).statistic`). */
  stat: number;
  pvalue: number;
  interpretation: 'significant' | 'not significant';
}

export type DirectionOfChange = 'improvement' | 'regression' | 'no change';

/**
 * The Mann-Whitney ("V2") fields of a PerfCompare row, keyed exactly as in the JSON response.
 * Keys that the spec says are absent from V2 rows (`is_improvement`, `is_regression`, `kde_base`,
 * `kde_new`) are absent here too.
 */
export interface MannWhitneyResult extends NormalityCheck {
  base_standard_stats: StandardStats;
  new_standard_stats: StandardStats;
  /** median_new − median_base. */
  delta_value: number;
  /** 100·delta/median_base; 0 when the base median is 0. */
  delta_percentage: number;
  ks_test: KsTest | null;
  ks_warning: string | null;
  /** KS p-value > 0.05; null when a side is empty and the test cannot run. */
  is_fit_good: boolean | null;
  mann_whitney_test: MannWhitneyTest | null;
  cliffs_delta: number | null;
  cliffs_interpretation: string;
  warning_c_delta: string | null;
  is_meaningful: boolean;
  cles: ClesSummary | null;
  direction_of_change: DirectionOfChange;
  is_new_better: boolean | null;
  silverman_kde: SilvermanKde | null;
  silverman_warnings: string[];
  kde_warnings: string[];
  is_confident: false;
  more_runs_are_needed: false;
}

const PVALUE_THRESHOLD = 0.05;
/** Reference wording (treeherder/perf/stats.py, interpret_ks_test). */
const KS_WARNING = 'Distributions seem to differ (KS test). Review KDE before drawing conclusions.';
/** Reference wording (`warning_c_delta` when a side is empty). */
const CLIFFS_DELTA_WARNING = 'Empty data in one group, cannot compute Cliffs Delta';

/**
 * Computes the Mann-Whitney comparison of one PerfCompare row (spec §3.12, "Mann-Whitney-U
 * version"): descriptive statistics, Shapiro-Wilk per side, two-sample KS, two-sided Mann-Whitney
 * U of base against new, Cliff's delta, CLES, the direction of the change and, on request, the
 * Silverman KDE mode analysis.
 *
 * A change is called only when it is significant (MWU p ≤ 0.05) and meaningful (|Cliff's δ| ≥
 * 0.15); CLES > ½ (base tends higher) then means an improvement when lower is better.
 *
 * @example
 * const row = compareMannWhitney({ base: [32.4], new: [40.2], lowerIsBetter: true, enableSilvermanKde: false });
 * row.mann_whitney_test; // { test_name: 'Mann-Whitney U', stat: 0, pvalue: 1, interpretation: 'not significant' }
 * row.direction_of_change; // "no change"
 */
export function compareMannWhitney(input: MannWhitneyInput): MannWhitneyResult {
  const { base, lowerIsBetter } = input;
  const next = input.new;
  const baseMedian = base.length > 0 ? median(base) : 0;
  const newMedian = next.length > 0 ? median(next) : 0;
  const deltaValue = newMedian - baseMedian;

  const ks = ksTwoSample(base, next);
  const isFitGood = ks === null ? null : ks.pvalue > PVALUE_THRESHOLD;
  const mwu = mannWhitneyU(base, next);
  const isSignificant = mwu !== null && mwu.pvalue <= PVALUE_THRESHOLD;
  const delta = cliffsDelta(base, next);
  const effectSize = interpretCliffsDelta(delta);
  const isMeaningful = delta !== null && Math.abs(delta) >= 0.15;
  const cles = mwu === null ? null : mwu.u1 / (next.length * base.length);
  const direction = directionOfChange(isSignificant && isMeaningful, cles, lowerIsBetter);
  const kde = input.enableSilvermanKde ? silvermanKde(base, next, lowerIsBetter) : null;

  return {
    base_standard_stats: standardStats(base),
    new_standard_stats: standardStats(next),
    delta_value: deltaValue,
    delta_percentage: baseMedian === 0 ? 0 : (100 * deltaValue) / baseMedian,
    ...normalityCheck(base, next),
    ks_test:
      ks === null
        ? null
        : {
            test_name: 'Kolmogorov-Smirnov',
            stat: ks.stat,
            pvalue: ks.pvalue,
            interpretation: `KS test p-value: ${formatFixed(ks.pvalue, 3)}, ${isFitGood ? 'good fit' : 'poor fit'}`,
          },
    ks_warning: isFitGood === false ? KS_WARNING : null,
    is_fit_good: isFitGood,
    mann_whitney_test:
      mwu === null
        ? null
        : {
            test_name: 'Mann-Whitney U',
            stat: mwu.u1,
            pvalue: mwu.pvalue,
            interpretation: isSignificant ? 'significant' : 'not significant',
          },
    cliffs_delta: delta,
    cliffs_interpretation: effectSize,
    warning_c_delta: delta === null ? CLIFFS_DELTA_WARNING : null,
    is_meaningful: isMeaningful,
    cles: cles === null ? null : clesSummary({ cles, cliffsDelta: delta, effectSize, direction }),
    direction_of_change: direction,
    is_new_better: direction === 'improvement' ? true : direction === 'regression' ? false : null,
    silverman_kde: kde?.silverman_kde ?? null,
    silverman_warnings: kde?.silverman_warnings ?? [],
    kde_warnings: [],
    is_confident: false,
    more_runs_are_needed: false,
  };
}

/**
 * Cliff's delta bands of Romano et al. (2006), as the spec gives them: |δ| < 0.15 negligible,
 * < 0.33 small, < 0.47 moderate, otherwise large.
 */
function interpretCliffsDelta(delta: number | null): string {
  if (delta === null) {
    return 'Effect cannot be interpreted';
  }
  const size = Math.abs(delta);
  if (size < 0.15) {
    return 'negligible';
  }
  if (size < 0.33) {
    return 'small';
  }
  if (size < 0.47) {
    return 'moderate';
  }
  return 'large';
}

function directionOfChange(
  isCalled: boolean,
  cles: number | null,
  lowerIsBetter: boolean,
): DirectionOfChange {
  if (!isCalled || cles === null || cles === 0.5) {
    return 'no change';
  }
  const baseIsGreater = cles > 0.5;
  // Base higher means new went down: good when lower is better.
  return baseIsGreater === lowerIsBetter ? 'improvement' : 'regression';
}
