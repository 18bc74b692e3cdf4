/**
 * The `q`-th percentile (0–100) of an ascending-sorted sample with linear interpolation between
 * order statistics, as `numpy.percentile(x, q)` with its default `method='linear'`.
 *
 * simple-statistics' `quantileSorted` uses a different definition (no interpolation for
 * non-integer ranks), which would move KDE bandwidths and bootstrap intervals away from the
 * reference, hence this helper.
 *
 * @example
 * percentile([1, 2, 3, 4], 25); // 1.75
 */
export function percentile(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) {
    return Number.NaN;
  }
  const rank = (q / 100) * (n - 1);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, n - 1);
  const lower = sorted[below] as number;
  const upper = sorted[above] as number;
  const t = rank - below;
  // numpy interpolates from the nearer end, which changes the last bit in some cases.
  return t >= 0.5 ? upper - (upper - lower) * (1 - t) : lower + (upper - lower) * t;
}
