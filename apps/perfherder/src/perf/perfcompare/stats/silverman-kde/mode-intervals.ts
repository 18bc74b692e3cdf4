/** The x range that one mode owns. */
export interface ModeInterval {
  start: number;
  end: number;
}

/**
 * Splits a density's grid into one interval per mode, cutting at the lowest density between
 * each pair of neighbouring modes (the reference's `find_mode_interval`). Without modes the
 * whole grid is one interval. Neighbouring intervals share their cut point; a value exactly on it
 * belongs to the left mode (first match wins, as in the reference's `split_per_mode`).
 *
 * @example
 * modeIntervals(x, y, [200, 800]); // [{ start: x[0], end: x[valley] }, { start: x[valley], end: x[1023] }]
 */
export function modeIntervals(
  x: Float64Array,
  y: Float64Array,
  modeIndices: readonly number[],
): ModeInterval[] {
  const last = x.length - 1;
  const edges = [0];
  for (let m = 0; m + 1 < modeIndices.length; m++) {
    const from = modeIndices[m] as number;
    const to = modeIndices[m + 1] as number;
    let valley = from;
    for (let i = from; i <= to; i++) {
      if ((y[i] as number) < (y[valley] as number)) {
        valley = i;
      }
    }
    edges.push(valley);
  }
  edges.push(last);
  const intervals: ModeInterval[] = [];
  for (let e = 0; e + 1 < edges.length; e++) {
    intervals.push({ start: x[edges[e] as number] as number, end: x[edges[e + 1] as number] as number });
  }
  return intervals;
}
