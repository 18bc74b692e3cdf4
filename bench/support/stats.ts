/** Small statistics the benchmarks share: medians and their intervals, percentiles of sorted samples, rounding. */
import { binomialDistribution } from 'simple-statistics';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? Number.NaN) + (s[m] ?? Number.NaN)) / 2;
}

/**
 * A distribution-free confidence interval of the median of `xs` (from order statistics, as the sign test does):
 * the narrowest pair of the k-th smallest and k-th largest samples that covers the median with at least
 * `confidence`, and its exact coverage. Undefined when even the smallest and largest do not reach `confidence`
 * (fewer than 5 samples at 0.9).
 */
export function medianInterval(
  xs: readonly number[],
  confidence = 0.9,
): { low: number; high: number; coverage: number } | undefined {
  const n = xs.length;
  const pmf = n > 0 ? binomialDistribution(n, 0.5) : undefined;
  if (!pmf) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  let found: { low: number; high: number; coverage: number } | undefined;
  let below = 0; // P(fewer than k samples under the median)
  for (let k = 1; 2 * k <= n; k++) {
    below += pmf[k - 1] ?? 0;
    const coverage = 1 - 2 * below;
    if (coverage < confidence) break;
    found = { low: sorted[k - 1] ?? Number.NaN, high: sorted[n - k] ?? Number.NaN, coverage };
  }
  return found;
}

/** The `q` quantile (0-1, nearest rank) of `sorted` (ascending); NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export function round3(x: number): number {
  return roundTo(x, 3);
}

/** `x` rounded to `digits` decimals (for printed and saved figures). */
export function roundTo(x: number, digits: number): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

/**
 * Ids 1…`rows` from a xorshift32 sequence seeded by `seed`: cheap, and the same sequence for every variant a
 * benchmark compares.
 */
export function idSequence(seed: number, rows: number): () => number {
  let x = 0x9e3779b9 ^ seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % rows) + 1;
  };
}

/**
 * The order of `n` peers in round `round` (0-based) of a Williams design: over `n` rounds (`2n` when `n` is odd)
 * every peer comes right after every other one equally often (once; twice for odd `n`), and each round is a
 * permutation. What a run leaves behind (garbage for the next major collection, the machine's state) then falls on
 * a different peer every round, not always on the same next one as with a plain rotation (ABC, BCA, CAB: B always
 * follows A).
 */
export function balancedOrder(n: number, round: number): number[] {
  // The first row is 0, 1, n-1, 2, n-2, …: its steps are all different mod n; row r adds r to each (mod n). For
  // odd n the rows from n to 2n-1 are the first n reversed.
  const first = Array.from({ length: n }, (_, j) => (j % 2 === 1 ? (j + 1) / 2 : (n - j / 2) % n));
  const r = round % (n % 2 === 0 ? n : 2 * n);
  const row = first.map((t) => (t + (r % n)) % n);
  return r < n ? row : row.reverse();
}
