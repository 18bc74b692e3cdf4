import { T_VALUE_CARE_MIN, T_VALUE_CONFIDENCE } from './confidence-text.ts';

/** The UI class of a Student-t row: improvement, regression, possible regression, or nothing. */
export type ChangeClass = 'success' | 'danger' | 'warning' | '';

/** Changes smaller than 2 % of the base are never flagged, however confident. */
const MIN_RATIO = 1.02;

/**
 * Classifies a Student-t comparison (spec §3.12, `class`):
 *
 * 1. `""` when either average is 0;
 * 2. ratio = new/base, inverted when below 1; `""` when ratio < 1.02 or confidence < 3;
 * 3. confidence < 5: `""` when the new revision is better, otherwise `"warning"`;
 * 4. otherwise `"success"` when better, `"danger"` when worse.
 *
 * @example
 * changeClass({ newIsBetter: false, baseAvg: 100, newAvg: 110, confidence: 6 }); // "danger"
 */
export function changeClass(input: {
  newIsBetter: boolean;
  baseAvg: number;
  newAvg: number;
  confidence: number;
}): ChangeClass {
  const { newIsBetter, baseAvg, newAvg, confidence } = input;
  if (baseAvg === 0 || newAvg === 0) {
    return '';
  }
  let ratio = newAvg / baseAvg;
  if (ratio < 1) {
    ratio = 1 / ratio;
  }
  if (ratio < MIN_RATIO || confidence < T_VALUE_CARE_MIN) {
    return '';
  }
  if (confidence < T_VALUE_CONFIDENCE) {
    return newIsBetter ? '' : 'warning';
  }
  return newIsBetter ? 'success' : 'danger';
}
