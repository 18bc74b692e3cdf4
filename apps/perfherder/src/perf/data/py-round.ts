/**
 * Python's `round(x, 2)` on a float, which the reference's data and job-data views apply to datum values.
 *
 * Python rounds the exact binary value of the double (so `round(2.675, 2)` is 2.67, because the double
 * is 2.67499999…), breaking exact ties to the even cent (`round(0.125, 2)` is 0.12). This differs from
 * `quantize2` (perfcompare/stats/quantize.ts), which models DRF's `DecimalField` going through `str(x)`.
 *
 * `Number.prototype.toFixed` also rounds the exact value, but breaks ties away from zero; a tie at two
 * decimals can only happen when `x` is an odd multiple of 1/8 (exactly representable), so those are
 * redone half-even.
 *
 * @example
 * pyRound2(2.675); // 2.67
 * pyRound2(0.125); // 0.12
 * pyRound2(0.375); // 0.38
 */
export function pyRound2(x: number): number {
  if (!Number.isFinite(x)) return x;
  const eighths = x * 8;
  if (Number.isInteger(eighths) && Math.abs(eighths % 2) === 1) {
    const cents = x * 100; // exact: an odd multiple of 12.5
    const low = Math.floor(cents);
    return (low % 2 === 0 ? low : low + 1) / 100;
  }
  return Number(x.toFixed(2));
}
