/**
 * Formats `x` with `digits` decimals exactly as Python's `f"{x:.{digits}f}"` (or `f"{x:+.{digits}f}"`
 * with `plusSign`), which the reference uses for every number inside its interpretation strings.
 *
 * Why not `toFixed`: both round the exact binary value, but an exact tie goes to the larger
 * magnitude in JavaScript and to the even digit in Python: `(0.5).toFixed(0)` is "1" where Python
 * prints "0", and `(0.125).toFixed(2)` is "0.13" where Python prints "0.12". CLES percentages hit
 * such ties often (a U of 1 out of 8 pairs is 12.5 %).
 *
 * @example
 * formatFixed(0.125, 2);       // "0.12"
 * formatFixed(0.1234, 3, true); // "+0.123"
 */
export function formatFixed(x: number, digits: number, plusSign = false): string {
  const negative = x < 0 || Object.is(x, -0);
  const sign = negative ? '-' : plusSign ? '+' : '';
  if (Number.isNaN(x)) {
    return `${plusSign ? '+' : ''}nan`;
  }
  if (!Number.isFinite(x)) {
    return `${sign}inf`;
  }
  const magnitude = Math.abs(x);
  if (magnitude >= 1e21) {
    // toFixed switches to exponent notation here; no statistic of this module gets that large.
    return sign + BigInt(Math.round(magnitude)).toString() + (digits > 0 ? `.${'0'.repeat(digits)}` : '');
  }
  const nearest = magnitude.toFixed(digits);
  // 100 decimals show the exact binary expansion of every double ≥ 2^-48, enough to see a tie.
  const exact = magnitude.toFixed(100);
  const point = exact.indexOf('.');
  const tail = exact.slice(point + 1 + digits);
  if (/^50*$/.test(tail)) {
    const truncated = digits === 0 ? exact.slice(0, point) : exact.slice(0, point + 1 + digits);
    const lastDigit = truncated.charCodeAt(truncated.length - 1) - 48;
    return sign + (lastDigit % 2 === 0 ? truncated : nearest);
  }
  return sign + nearest;
}
