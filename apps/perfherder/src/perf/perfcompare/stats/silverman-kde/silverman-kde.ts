/*
 * Silverman KDE mode analysis of a Mann-Whitney PerfCompare row (spec §3.12, `silverman_kde`).
 *
 * Choices, and why:
 * - Density: Gaussian kernel, Silverman bandwidth in KDEpy's form (the reference's library),
 *   evaluated exactly on a 1024-point grid (KDEpy's default size) spanning the data plus
 *   max(3 bandwidths, 5 % of the range) on each side. Each side gets its own grid and bandwidth,
 *   as in the reference.
 * - Modes and prominence: the reference's recipe (see `countModes`): smooth with σ = 2 grid
 *   steps, prominence threshold = 90th percentile of |dy/dx| clipped to [2 %, 20 %] of the
 *   smoothed maximum, peaks at least 5 % of the grid span apart, scipy `find_peaks` semantics.
 *   `base_prominence`/`new_prominence` report that threshold, as the reference does. Because the
 *   threshold compares a slope with a density it depends on the data's scale; kept for parity.
 * - Mode intervals: cut at the density minimum between neighbouring modes.
 * - Pairing: every base mode gets an entry in `modes`, as in the reference. When base and new have
 *   the same number of modes, the i-th base mode (in ascending x) is paired with the i-th new mode,
 *   each side's values assigned with its own intervals; with different counts the entries say the
 *   shift cannot be measured (CI bounds 0, as the reference reports them) and a warning says why.
 * - Shift: median(new) − median(base) within the paired mode, 95 % percentile bootstrap CI with
 *   1000 resamples, drawn from xoroshiro128+ (pure-rand) seeded by a hash of the input values, so
 *   the same input always gives the same output (the MWU cache relies on that). One generator
 *   serves all modes in order.
 * - Direction: CI above 0 means the median went up, below 0 down, otherwise "No significant
 *   shift"; up is a regression when lower is better and an improvement otherwise. (The reference
 *   maps these the other way round, calling a higher median an improvement when lower is better;
 *   that reads as a defect, so this module uses the direction the metric defines.) The row-level
 *   `is_regression`/`is_improvement` are true when any compared mode regressed/improved, and
 *   null when no mode could be compared.
 * - One value on a side: the KDE still runs, as in the reference: KDEpy's Silverman rule gives a
 *   single observation a bandwidth of 1, so the density is one kernel with one mode, at the value.
 *   Its prominence is reported as 0 (the reference's figure: one kernel has no noise to measure).
 *   A mode with fewer than 2 values on a side is listed but not bootstrapped (the reference's
 *   `scipy.stats.bootstrap` refuses one-value samples): shift and CI null.
 * - No value on a side: no KDE, 0 modes, `*_locations` null, and a warning in the reference's words
 *   ("… has less than 2 data points to run Silverman KDE.").
 */
import { xoroshiro128plus } from 'pure-rand';
import { formatFixed } from '../format-fixed.ts';
import { bootstrapMedianShift } from './bootstrap-median-shift.ts';
import { countModes, type ModeCount } from './count-modes.ts';
import { type DensityGrid, gaussianKdeGrid } from './gaussian-kde-grid.ts';
import { inputSeed } from './input-seed.ts';
import { type ModeInterval, modeIntervals } from './mode-intervals.ts';
import { silvermanBandwidth } from './silverman-bandwidth.ts';

/** One paired mode of the `silverman_kde.modes` list. */
export interface SilvermanMode {
  mode_name: string;
  /** Start of the base mode's interval, 2 decimals, as the reference's string. */
  mode_start: string;
  mode_end: string;
  median_shift_summary: string;
  ci_low: number | null;
  ci_high: number | null;
  shift: number | null;
  shift_summary: string | null;
  ci_warning: string | null;
}

/** The `silverman_kde` object of a Mann-Whitney row. */
export interface SilvermanKde {
  bandwidth: 'Silverman';
  base_mode_count: number;
  new_mode_count: number;
  /** Null when that side has no data. */
  base_locations: number[] | null;
  new_locations: number[] | null;
  base_prominence: number | null;
  new_prominence: number | null;
  modes: SilvermanMode[];
  is_regression: boolean | null;
  is_improvement: boolean | null;
}

/** `silverman_kde` plus the row's `silverman_warnings`. */
export interface SilvermanKdeAnalysis {
  silverman_kde: SilvermanKde;
  silverman_warnings: string[];
}

interface Side {
  modes: ModeCount | null;
  intervals: ModeInterval[];
}

/**
 * Runs the Silverman KDE mode analysis on both sides and compares the medians mode by mode.
 * Deterministic: the same input always yields the same output.
 *
 * @example
 * const { silverman_kde } = silvermanKde([10, 10.2, 9.9, 10.1, 10], [12, 12.1, 11.9, 12.2, 12], true);
 * silverman_kde.modes[0]?.shift_summary; // "Performance regressed (median increased)"
 */
export function silvermanKde(
  base: readonly number[],
  next: readonly number[],
  lowerIsBetter: boolean,
): SilvermanKdeAnalysis {
  const warnings: string[] = [];
  const baseSide = analyseSide(base, 'Base', warnings);
  const newSide = analyseSide(next, 'New', warnings);
  const baseCount = baseSide.modes?.count ?? 0;
  const newCount = newSide.modes?.count ?? 0;
  if (baseCount > 1) {
    warnings.push('Base revision distribution appears multimodal.');
  }
  if (newCount > 1) {
    warnings.push('New revision distribution appears multimodal.');
  }
  if (baseCount !== newCount) {
    warnings.push('Mode count between base and new revision different, look at the KDE.');
  }

  const modes: SilvermanMode[] = [];
  let anyRegression = false;
  let anyImprovement = false;
  let compared = 0;
  const rng = xoroshiro128plus(inputSeed(base, next));
  baseSide.intervals.forEach((interval, i) => {
    const name = `Mode ${i + 1}`;
    const start = formatFixed(interval.start, 2);
    const end = formatFixed(interval.end, 2);
    if (baseCount !== newCount) {
      modes.push(unmeasured(name, start, end, UNEQUAL_COUNTS, 0, null));
      return;
    }
    const baseValues = valuesIn(base, baseSide.intervals, i);
    const newValues = valuesIn(next, newSide.intervals, i);
    if (baseValues.length === 0 || newValues.length === 0) {
      const ciWarning = `${name} [${start}, ${end}]: Not enough data to compare.`;
      warnings.push(ciWarning);
      modes.push(
        unmeasured(name, start, end, 'Cannot measure shift, not enough data in this mode', null, ciWarning),
      );
      return;
    }
    if (baseValues.length < 2 || newValues.length < 2) {
      modes.push(unmeasured(name, start, end, ONE_VALUE, null, null));
      return;
    }
    const { shift, ciLow, ciHigh } = bootstrapMedianShift(baseValues, newValues, rng);
    const verdict = shiftVerdict(ciLow, ciHigh, lowerIsBetter);
    compared++;
    anyRegression ||= verdict.isRegression;
    anyImprovement ||= verdict.isImprovement;
    modes.push({
      mode_name: name,
      mode_start: start,
      mode_end: end,
      median_shift_summary: `Median shift: ${formatFixed(shift, 3, true)} (95% CI: ${formatFixed(ciLow, 3, true)} to ${formatFixed(ciHigh, 3, true)})`,
      ci_low: ciLow,
      ci_high: ciHigh,
      shift,
      shift_summary: verdict.summary,
      ci_warning: null,
    });
  });

  return {
    silverman_kde: {
      bandwidth: 'Silverman',
      base_mode_count: baseCount,
      new_mode_count: newCount,
      base_locations: baseSide.modes?.locations ?? null,
      new_locations: newSide.modes?.locations ?? null,
      base_prominence: baseSide.modes?.prominence ?? null,
      new_prominence: newSide.modes?.prominence ?? null,
      modes,
      is_regression: compared > 0 ? anyRegression : null,
      is_improvement: compared > 0 ? anyImprovement : null,
    },
    silverman_warnings: warnings,
  };
}

function analyseSide(values: readonly number[], label: 'Base' | 'New', warnings: string[]): Side {
  if (values.length === 0) {
    warnings.push(`${label} revision has less than 2 data points to run Silverman KDE.`);
    return { modes: null, intervals: [] };
  }
  const grid: DensityGrid = gaussianKdeGrid(values, silvermanBandwidth(values));
  if (values.length === 1) {
    // One kernel: its single mode is the value itself, on a grid centred on it.
    const peak = grid.y.indexOf(Math.max(...grid.y));
    const modes: ModeCount = { count: 1, indices: [peak], locations: [values[0] as number], prominence: 0 };
    return { modes, intervals: modeIntervals(grid.x, grid.y, modes.indices) };
  }
  const modes = countModes(grid.x, grid.y);
  return { modes, intervals: modeIntervals(grid.x, grid.y, modes.indices) };
}

/** Values whose first containing interval is interval `which`. */
function valuesIn(values: readonly number[], intervals: readonly ModeInterval[], which: number): number[] {
  return values.filter((v) => intervals.findIndex((iv) => iv.start <= v && v <= iv.end) === which);
}

/** The reference's entry for a base mode when the mode counts differ. */
const UNEQUAL_COUNTS = 'Cannot measure shift, base mode count not equal to new mode count';
const ONE_VALUE = 'Cannot measure shift, fewer than 2 values in this mode';

/** A listed mode whose shift could not be measured; `ci` is the CI bounds' value (0 or null). */
function unmeasured(
  name: string,
  start: string,
  end: string,
  summary: string,
  ci: 0 | null,
  ciWarning: string | null,
): SilvermanMode {
  return {
    mode_name: name,
    mode_start: start,
    mode_end: end,
    median_shift_summary: summary,
    ci_low: ci,
    ci_high: ci,
    shift: null,
    shift_summary: null,
    ci_warning: ciWarning,
  };
}

function shiftVerdict(
  ciLow: number,
  ciHigh: number,
  lowerIsBetter: boolean,
): { summary: string; isRegression: boolean; isImprovement: boolean } {
  if (ciLow > 0) {
    return lowerIsBetter
      ? { summary: 'Performance regressed (median increased)', isRegression: true, isImprovement: false }
      : { summary: 'Performance improved (median increased)', isRegression: false, isImprovement: true };
  }
  if (ciHigh < 0) {
    return lowerIsBetter
      ? { summary: 'Performance improved (median decreased)', isRegression: false, isImprovement: true }
      : { summary: 'Performance regressed (median decreased)', isRegression: true, isImprovement: false };
  }
  return { summary: 'No significant shift', isRegression: false, isImprovement: false };
}
