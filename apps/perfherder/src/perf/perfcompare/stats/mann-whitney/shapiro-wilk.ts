import quantile from '@stdlib/stats-base-dists-normal-quantile';
import { normalSf } from '../normal-sf.ts';

/** W statistic and p-value of a Shapiro-Wilk normality test. */
export interface ShapiroWilkResult {
  stat: number;
  pvalue: number;
}

/*
 * Algorithm: Royston, P. (1995) "Remark AS R94: A remark on Algorithm AS 181: The W-test for
 * normality", Applied Statistics 44(4), 547–551 — the algorithm behind scipy.stats.shapiro and
 * R's shapiro.test. Written here from the published description:
 *
 * - Coefficients: m_i = Φ⁻¹((i − 3/8)/(n + 1/4)); the two outermost coefficients come from
 *   Royston's polynomials in u = 1/√n (c1, c2 below), the others are m_i rescaled so that Σa² = 1.
 *   For n = 3 the only coefficient is √½.
 * - W is the squared correlation between the ordered sample and the coefficients, computed as
 *   1 − W first (the "w1" of the remark) to keep precision when W is close to 1.
 * - p-value: exact for n = 3, (6/π)(asin √W − π/3); for 4 ≤ n ≤ 11 −log(γ − log(1 − W)) is normal
 *   with γ = 0.459n − 2.273 and mean/sd polynomials in n (c3, c4); for n ≥ 12 log(1 − W) is normal
 *   with mean/sd polynomials in log n (c5, c6). The upper tail is the p-value.
 */
const C1 = [0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
const C2 = [0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];
const C3 = [0.544, -0.39978, 0.025054, -6.714e-4];
const C4 = [1.3822, -0.77857, 0.062767, -0.0020322];
const C5 = [-1.5861, -0.31082, -0.083751, 0.0038915];
const C6 = [-0.4803, -0.082676, 0.0030302];
const G = [-2.273, 0.459];
/** AS R94's "small": the p-value reported when 4 ≤ n ≤ 11 and W is below the approximation's range. */
const SMALL = 1e-19;

/**
 * Shapiro-Wilk test for normality (Royston 1995, AS R94), as `scipy.stats.shapiro`.
 * Returns `null` below 3 values. Data with zero range give W = 1, p = 1, as scipy does (it only
 * warns that the result may not be accurate).
 *
 * @example
 * shapiroWilk([2.1, 2.4, 2.2, 2.9, 2.5]); // { stat: 0.91…, pvalue: 0.49… }
 */
export function shapiroWilk(values: readonly number[]): ShapiroWilkResult | null {
  const n = values.length;
  if (n < 3) {
    return null;
  }
  const x = [...values].sort((a, b) => a - b);
  const range = (x[n - 1] as number) - (x[0] as number);
  if (range < SMALL) {
    return { stat: 1, pvalue: 1 };
  }
  const a = halfCoefficients(n);
  // Full antisymmetric coefficient vector: −a_1 … −a_k, (0 for odd n), a_k … a_1.
  const coefficients = x.map((_, i) => {
    const mirror = n - 1 - i;
    if (i === mirror) {
      return 0;
    }
    const weight = a[Math.min(i, mirror)] as number;
    return i < mirror ? -weight : weight;
  });
  // Scale by the range as AS R94 does, then correlate around the means.
  const scaled = x.map((v) => v / range);
  const meanX = scaled.reduce((s, v) => s + v, 0) / n;
  const meanA = coefficients.reduce((s, v) => s + v, 0) / n;
  let ssa = 0;
  let ssx = 0;
  let sax = 0;
  for (let i = 0; i < n; i++) {
    const da = (coefficients[i] as number) - meanA;
    const dx = (scaled[i] as number) - meanX;
    ssa += da * da;
    ssx += dx * dx;
    sax += da * dx;
  }
  const root = Math.sqrt(ssa * ssx);
  const oneMinusW = ((root - sax) * (root + sax)) / (ssa * ssx);
  const w = 1 - oneMinusW;
  return { stat: w, pvalue: pValue(n, w, oneMinusW) };
}

/** a_1 … a_⌊n/2⌋ (positive, largest first). */
function halfCoefficients(n: number): number[] {
  const half = Math.floor(n / 2);
  if (n === 3) {
    return [Math.SQRT1_2];
  }
  const m: number[] = [];
  let summ2 = 0;
  for (let i = 1; i <= half; i++) {
    const mi = quantile((i - 0.375) / (n + 0.25), 0, 1);
    m.push(mi);
    summ2 += mi * mi;
  }
  summ2 *= 2;
  const ssumm2 = Math.sqrt(summ2);
  const rsn = 1 / Math.sqrt(n);
  const m1 = m[0] as number;
  const a1 = poly(C1, rsn) - m1 / ssumm2;
  const a = m.map((mi) => mi);
  let first: number;
  let fac: number;
  if (n > 5) {
    const m2 = m[1] as number;
    const a2 = -m2 / ssumm2 + poly(C2, rsn);
    fac = Math.sqrt((summ2 - 2 * m1 * m1 - 2 * m2 * m2) / (1 - 2 * a1 * a1 - 2 * a2 * a2));
    a[1] = a2;
    first = 2;
  } else {
    fac = Math.sqrt((summ2 - 2 * m1 * m1) / (1 - 2 * a1 * a1));
    first = 1;
  }
  a[0] = a1;
  for (let i = first; i < half; i++) {
    a[i] = -(m[i] as number) / fac;
  }
  return a;
}

function pValue(n: number, w: number, oneMinusW: number): number {
  if (n === 3) {
    const p = (6 / Math.PI) * (Math.asin(Math.sqrt(w)) - Math.PI / 3);
    return Math.min(Math.max(p, 0), 1);
  }
  let y = Math.log(oneMinusW);
  let mean: number;
  let sd: number;
  if (n <= 11) {
    const gamma = poly(G, n);
    if (y >= gamma) {
      return SMALL;
    }
    y = -Math.log(gamma - y);
    mean = poly(C3, n);
    sd = Math.exp(poly(C4, n));
  } else {
    const logN = Math.log(n);
    mean = poly(C5, logN);
    sd = Math.exp(poly(C6, logN));
  }
  return normalSf((y - mean) / sd);
}

/** c[0] + c[1]·x + c[2]·x² + … */
function poly(c: readonly number[], x: number): number {
  let result = 0;
  for (let i = c.length - 1; i >= 0; i--) {
    result = result * x + (c[i] as number);
  }
  return result;
}
