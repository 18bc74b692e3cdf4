/** The label shown next to a Student-t confidence. */
export type ConfidenceText = '' | 'Low' | 'Medium' | 'High';

/** Below this |t| a change is "Low" confidence (reference `T_VALUE_CARE_MIN`). */
export const T_VALUE_CARE_MIN = 3;
/** From this |t| on a change is "High" confidence (reference `T_VALUE_CONFIDENCE`). */
export const T_VALUE_CONFIDENCE = 5;

/**
 * Labels a `|t|` confidence (spec §3.12, `confidence_text`): `""` when it is 0 or missing,
 * "Low" below 3, "Medium" below 5, otherwise "High".
 *
 * @example
 * confidenceText(4.2); // "Medium"
 */
export function confidenceText(confidence: number | null): ConfidenceText {
  if (confidence === null || confidence === 0 || Number.isNaN(confidence)) {
    return '';
  }
  if (confidence < T_VALUE_CARE_MIN) {
    return 'Low';
  }
  if (confidence < T_VALUE_CONFIDENCE) {
    return 'Medium';
  }
  return 'High';
}
