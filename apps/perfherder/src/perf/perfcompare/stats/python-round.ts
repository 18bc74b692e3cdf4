/**
 * Python's built-in `round(x)` for a float: the nearest integer, exact ties to the even one.
 * `Math.round` sends ties up (2.5 → 3, −2.5 → −2) where Python gives 2 and −2.
 *
 * @example
 * pythonRound(2.5); // 2
 * pythonRound(3.5); // 4
 */
export function pythonRound(x: number): number {
  if (!Number.isFinite(x)) {
    return x;
  }
  const floor = Math.floor(x);
  // x − floor(x) is exact for every double, so the comparison with 0.5 is exact too.
  const fraction = x - floor;
  if (fraction > 0.5) {
    return floor + 1;
  }
  if (fraction < 0.5) {
    return floor;
  }
  return floor % 2 === 0 ? floor : floor + 1;
}
