import erfc from '@stdlib/math-base-special-erfc';

/**
 * Upper tail of the standard normal distribution, P(Z > z), as `scipy.stats.norm.sf`.
 *
 * Computed as ½·erfc(z/√2) rather than 1 − Φ(z) so that far-tail p-values (z = 10 → 7.6e-24) keep
 * their relative precision instead of collapsing to 0.
 *
 * @example
 * normalSf(1.959963984540054); // 0.025
 */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}
