/**
 * A now-relative lower bound on a timestamp column (`column > cutoff` or `column >= cutoff`), written once for
 * both of its uses: the endpoint's condition, and the condition of the rows that left the window when the
 * cutoff moved up (what an answer memo checks before sending a kept answer again, see http/answer-memo.ts).
 */
export interface SinceWindow {
  /** The column, qualified as the statement names it (e.g. `d.push_timestamp`). */
  readonly column: string;
  /** `>=` (the cutoff itself is in) or `>` (it is out). */
  readonly inclusive: boolean;
}

/** The window's condition: `column >= $cutoff` or `column > $cutoff` (`cutoff`: a placeholder). */
export function sinceSql(w: SinceWindow, cutoff: string): string {
  return `${w.column} ${w.inclusive ? '>=' : '>'} ${cutoff}::timestamptz`;
}

/**
 * The rows inside the window at cutoff `older` and outside it at the later cutoff `newer` (placeholders):
 * `[older, newer)` for `>=`, `(older, newer]` for `>`.
 */
export function leftSinceSql(w: SinceWindow, older: string, newer: string): string {
  return w.inclusive
    ? `${w.column} >= ${older}::timestamptz AND ${w.column} < ${newer}::timestamptz`
    : `${w.column} > ${older}::timestamptz AND ${w.column} <= ${newer}::timestamptz`;
}
