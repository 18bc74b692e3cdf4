/**
 * A now-relative lower bound on a timestamp column (`column > cutoff` or `column >= cutoff`), written once for
 * both of its uses: the endpoint's condition, and the condition of the rows that left the window when the
 * cutoff moved up (what an answer memo checks before sending a kept answer again, see http/answer-memo.ts).
 */
export interface SinceWindow {
  /** The table the column belongs to, with a `repository_id` column (e.g. `performance_datum`). */
  readonly table: string;
  /** The column, qualified by the alias the statements give the table (e.g. `d.push_timestamp`). */
  readonly column: string;
  /** `>=` (the cutoff itself is in) or `>` (it is out). */
  readonly inclusive: boolean;
}

/**
 * `int(time.time() - interval)` seconds as a timestamptz literal (the reference's cutoff for `interval`), one
 * per request; beyond PostgreSQL's calendar, ±infinity.
 */
export function intervalCutoff(interval: number, nowMs: number = Date.now()): string {
  const seconds = Math.trunc(nowMs / 1000 - interval);
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime()) || seconds < -210866803200) return seconds < 0 ? '-infinity' : 'infinity';
  if (seconds > 9224318016000) return 'infinity';
  return date.toISOString();
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

/**
 * Whether any row of the window's table in the repository named by `repository` (a placeholder) left the
 * window between the cutoffs `older` and `newer`: a superset of an answer's rows, for the answer memo's check
 * (an index on (repository_id, column) makes it a few buffers).
 */
export function leftSinceInRepositorySql(
  w: SinceWindow,
  repository: string,
  older: string,
  newer: string,
): string {
  const alias = w.column.slice(0, w.column.indexOf('.'));
  return `EXISTS (SELECT 1 FROM ${w.table} ${alias}
      WHERE ${alias}.repository_id = (SELECT r.id FROM repository r WHERE r.name = ${repository})
        AND ${leftSinceSql(w, older, newer)})`;
}
