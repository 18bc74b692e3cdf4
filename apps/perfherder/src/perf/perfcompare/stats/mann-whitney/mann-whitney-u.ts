import { normalSf } from '../normal-sf.ts';

/** Two-sided Mann-Whitney U test result. */
export interface MannWhitneyUResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting ½ (scipy's `statistic`). */
  u1: number;
  pvalue: number;
  /** Which null distribution gave the p-value. */
  method: 'exact' | 'asymptotic';
}

/** Above this size on both sides scipy's `method='auto'` always uses the normal approximation. */
const EXACT_MAX_SMALLER = 8;

/**
 * Two-sided Mann-Whitney U test, as `scipy.stats.mannwhitneyu(x, y, alternative='two-sided')`
 * with the default `method='auto'` and `use_continuity=True`:
 *
 * - exact null distribution when at least one sample has ≤ 8 values and there are no ties
 *   (scipy's rule: asymptotic only when both samples exceed 8, or on ties);
 * - otherwise the normal approximation with tie-corrected variance
 *   σ² = n₁n₂/12·((n + 1) − Σ(t³ − t)/(n(n − 1))) and a continuity correction of ½.
 *
 * Both use U = max(U₁, U₂) and double the upper tail, clipped to 1; the reported statistic is U₁.
 * Returns `null` when a sample is empty. `method` forces one branch, like scipy's parameter.
 *
 * @example
 * mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]); // { u1: 17, pvalue: 0.111…, method: 'exact' }
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  method: 'auto' | 'exact' | 'asymptotic' = 'auto',
): MannWhitneyUResult | null {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) {
    return null;
  }
  const { rankSumX, tieTerm } = rankSums(x, y);
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  const u = Math.max(u1, n1 * n2 - u1);
  const hasTies = tieTerm > 0;
  const exact = method === 'auto' ? !hasTies && Math.min(n1, n2) <= EXACT_MAX_SMALLER : method === 'exact';
  if (exact) {
    return { u1, pvalue: Math.min(1, 2 * exactUpperTail(u, n1, n2)), method: 'exact' };
  }
  const n = n1 + n2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  // All values tied: σ = 0 and the numerator is −½, so z = −∞ and p = 1, as in scipy.
  const z = sd === 0 ? Number.NEGATIVE_INFINITY : (u - (n1 * n2) / 2 - 0.5) / sd;
  return { u1, pvalue: Math.min(1, 2 * normalSf(z)), method: 'asymptotic' };
}

/** Sum of the first sample's mid-ranks in the pooled sample, and Σ(t³ − t) over tie groups. */
function rankSums(x: readonly number[], y: readonly number[]): { rankSumX: number; tieTerm: number } {
  const pooled = [...x.map((v) => ({ v, first: true })), ...y.map((v) => ({ v, first: false }))];
  pooled.sort((a, b) => a.v - b.v);
  let rankSumX = 0;
  let tieTerm = 0;
  let start = 0;
  while (start < pooled.length) {
    let end = start;
    while (end + 1 < pooled.length && pooled[end + 1]?.v === pooled[start]?.v) {
      end++;
    }
    const size = end - start + 1;
    const midRank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) {
      if (pooled[i]?.first) {
        rankSumX += midRank;
      }
    }
    tieTerm += size * size * size - size;
    start = end + 1;
  }
  return { rankSumX, tieTerm };
}

/**
 * P(U ≥ u) under H₀ for sample sizes m and n without ties.
 *
 * The number of arrangements with U = k is the coefficient of q^k in the Gaussian binomial
 * [m+n choose m]_q = Π_{i=1..s} (1 − q^{l+i})/(1 − q^i), s = min(m, n), l = max(m, n) (Mann &
 * Whitney 1947; Andrews, "The Theory of Partitions", 1976, ch. 3). The product is built in BigInt
 * so that counts as large as C(m+n, m) stay exact; only the final ratio is rounded. U is symmetric
 * about mn/2, so P(U ≥ u) = P(U ≤ mn − u).
 */
function exactUpperTail(u: number, m: number, n: number): number {
  const small = Math.min(m, n);
  const large = Math.max(m, n);
  const degree = small * large;
  // Room for the product's transient degree (i·large + i) before each division brings it back to i·large.
  const size = degree + small + 1;
  const counts: bigint[] = new Array<bigint>(size).fill(0n);
  counts[0] = 1n;
  for (let i = 1; i <= small; i++) {
    // Multiply by (1 − q^{large+i}), highest power first so each source is read before it changes.
    const shift = large + i;
    for (let k = i * large + i; k >= shift; k--) {
      counts[k] = (counts[k] as bigint) - (counts[k - shift] as bigint);
    }
    // Divide by (1 − q^i): c_k ← c_k + c_{k−i}, lowest power first; the division is exact.
    for (let k = i; k < size; k++) {
      counts[k] = (counts[k] as bigint) + (counts[k - i] as bigint);
    }
  }
  const limit = degree - Math.ceil(u);
  let below = 0n;
  let total = 0n;
  for (let k = 0; k <= degree; k++) {
    const c = counts[k] as bigint;
    total += c;
    if (k <= limit) {
      below += c;
    }
  }
  return bigRatio(below, total);
}

/** below/total as a double, with one rounding even when both exceed Number.MAX_VALUE. */
function bigRatio(below: bigint, total: bigint): number {
  const shift = BigInt(Math.max(0, total.toString(2).length - 1000));
  return Number(below >> shift) / Number(total >> shift);
}
