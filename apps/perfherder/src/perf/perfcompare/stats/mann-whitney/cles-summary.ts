import { formatFixed } from '../format-fixed.ts';

/** The `cles` object of the Mann-Whitney row. */
export interface ClesSummary {
  /** U₁/(n_new·n_base): the probability that a base value exceeds a new value (ties count ½). */
  cles: number;
  /** The row's `direction_of_change`, repeated here as the reference fixture shows. */
  cles_direction: string;
  mann_whitney_u_cles: string;
  cliffs_delta_cles: string;
  /** Cliff's delta interpretation ("negligible" … "large"). */
  effect_size: string;
  cles_explanation: string;
}

/**
 * Words the common-language effect size (spec §3.12, `cles`). Strings follow the reference:
 *
 * - `cles_explanation`: "NN% chance a base value > a new value" above ½, "NN% chance a new value >
 *   base value" below ½ (with 1 − cles), "CLES cannot be interpreted" at exactly ½;
 * - `mann_whitney_u_cles`: "0.75 → 75% chance a value from `base` is greater than a value from
 *   `new`" (cles ≥ ½) or the mirrored sentence; `""` when cles is 0, as in the reference fixture;
 * - `cliffs_delta_cles`: "Cliff's Delta: −1.00 → large"; `""` when the delta is 0 or null (the
 *   reference tests the delta for truthiness).
 *
 * Percentages use Python's formatting, so 12.5 % prints as "12%" (ties to even), not "13%".
 *
 * @example
 * clesSummary({ cles: 0, cliffsDelta: -1, effectSize: 'large', direction: 'no change' }).cles_explanation;
 * // "100% chance a new value > base value"
 */
export function clesSummary(input: {
  cles: number;
  cliffsDelta: number | null;
  effectSize: string;
  direction: string;
}): ClesSummary {
  const { cles, cliffsDelta, effectSize, direction } = input;
  return {
    cles,
    cles_direction: direction,
    mann_whitney_u_cles: mannWhitneyUCles(cles),
    cliffs_delta_cles:
      cliffsDelta === null || cliffsDelta === 0
        ? ''
        : `Cliff's Delta: ${formatFixed(cliffsDelta, 2)} → ${effectSize}`,
    effect_size: effectSize,
    cles_explanation: clesExplanation(cles),
  };
}

function clesExplanation(cles: number): string {
  if (cles > 0.5) {
    return `${percent(cles)} chance a base value > a new value`;
  }
  if (cles < 0.5) {
    return `${percent(1 - cles)} chance a new value > base value`;
  }
  return 'CLES cannot be interpreted';
}

function mannWhitneyUCles(cles: number): string {
  if (cles === 0) {
    return '';
  }
  if (cles >= 0.5) {
    return `${formatFixed(cles, 2)} → ${formatFixed(cles * 100, 0)}% chance a value from \`base\` is greater than a value from \`new\``;
  }
  return `${formatFixed(1 - cles, 2)} → ${formatFixed(100 - cles * 100, 0)}% chance a value from \`new\` is greater than a value from \`base\``;
}

/** Python's `f"{p:.0%}"`: multiply by 100 in floating point, then format with 0 decimals. */
function percent(p: number): string {
  return `${formatFixed(p * 100, 0)}%`;
}
