export { formatFixed } from './format-fixed.ts';
export type { ClesSummary } from './mann-whitney/cles-summary.ts';
export {
  compareMannWhitney,
  type DirectionOfChange,
  type KsTest,
  type MannWhitneyInput,
  type MannWhitneyResult,
  type MannWhitneyTest,
} from './mann-whitney/compare-mann-whitney.ts';
export type { ShapiroWilkTest } from './mann-whitney/normality-check.ts';
export type { StandardStats } from './mann-whitney/standard-stats.ts';
export { type QuantizeMode, quantize2 } from './quantize.ts';
export type { SilvermanKde, SilvermanMode } from './silverman-kde/silverman-kde.ts';
export { compareStudentT, type StudentTInput, type StudentTResult } from './student-t/compare-student-t.ts';
export type { ConfidenceText } from './student-t/confidence-text.ts';
