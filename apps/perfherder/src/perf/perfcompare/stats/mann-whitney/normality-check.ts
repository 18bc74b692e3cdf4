import { formatFixed } from '../format-fixed.ts';
import { shapiroWilk } from './shapiro-wilk.ts';

/** One side's Shapiro-Wilk block of the Mann-Whitney row. */
export interface ShapiroWilkTest {
  test_name: 'Shapiro-Wilk';
  stat: number | null;
  pvalue: number | null;
  interpretation: string;
}

/** Both sides' normality tests and the warnings they raise. */
export interface NormalityCheck {
  shapiro_wilk_test_base: ShapiroWilkTest;
  shapiro_wilk_test_new: ShapiroWilkTest;
  shapiro_wilk_warnings: string[];
}

const PVALUE_THRESHOLD = 0.05;

/*
 * Every string below is the reference's wording (treeherder/perf/stats.py,
 * interpret_normality_shapiro_wilk), including the asymmetries: the "not enough data" text ends
 * with a period for base and without one for new (spec §3.12), and the two "not normal" warnings
 * are worded differently.
 */
const SIDES = {
  base: {
    label: 'Base Revision',
    notEnoughData: 'Not enough data for normality test.',
    tooFew: 'Shapiro-Wilk test cannot be run on Base with fewer than 3 data points.',
    notNormal: 'Base is not normal.',
  },
  new: {
    label: 'New Revision',
    notEnoughData: 'Not enough data for normality test',
    tooFew: 'Shapiro-Wilk test cannot be run on New with fewer than 3 data points.',
    notNormal: 'Warning, new is not normal',
  },
} as const;

/**
 * Runs Shapiro-Wilk on both sides (spec §3.12, `shapiro_wilk_test_*`): below 3 values the stat
 * and p-value are null with a "not enough data" interpretation and a warning; otherwise the
 * interpretation reads "Shapiro-Wilk result: 0.12, Base Revision is likely normal" (p > 0.05) or
 * "… is **not normal**", the latter also adding a warning. The reference today marks only the "not
 * normal" verdict with `**`.
 *
 * @example
 * normalityCheck([32.4], [40.2]).shapiro_wilk_warnings.length; // 2
 */
export function normalityCheck(base: readonly number[], next: readonly number[]): NormalityCheck {
  const warnings: string[] = [];
  const shapiro_wilk_test_base = sideTest(base, SIDES.base, warnings);
  const shapiro_wilk_test_new = sideTest(next, SIDES.new, warnings);
  return { shapiro_wilk_test_base, shapiro_wilk_test_new, shapiro_wilk_warnings: warnings };
}

function sideTest(
  values: readonly number[],
  side: (typeof SIDES)[keyof typeof SIDES],
  warnings: string[],
): ShapiroWilkTest {
  const result = shapiroWilk(values);
  if (result === null) {
    warnings.push(side.tooFew);
    return { test_name: 'Shapiro-Wilk', stat: null, pvalue: null, interpretation: side.notEnoughData };
  }
  const isNormal = result.pvalue > PVALUE_THRESHOLD;
  if (!isNormal) {
    warnings.push(side.notNormal);
  }
  const verdict = isNormal ? 'likely normal' : '**not normal**';
  return {
    test_name: 'Shapiro-Wilk',
    stat: result.stat,
    pvalue: result.pvalue,
    interpretation: `Shapiro-Wilk result: ${formatFixed(result.pvalue, 2)}, ${side.label} is ${verdict}`,
  };
}
