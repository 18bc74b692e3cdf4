/**
 * Survival function of the one-sample two-sided Kolmogorov-Smirnov statistic D_n, P(D_n ≥ d), as
 * `scipy.stats.kstwo.sf(d, n)`. Only the asymptotic branch of the two-sample test calls it (a
 * sample larger than 10 000 values), so exactness matters where it is cheap and an approximation
 * is accepted where scipy's own switches between several numerical methods.
 *
 * Regions, following the structure of scipy's `_kolmogn`:
 * - d ≤ 1/(2n) → 1; d ≥ 1 → 0.
 * - n·d ≤ 1: exact, P(D_n < d) = n!/nⁿ·(2nd − 1)ⁿ (Ruben & Gambino 1982).
 * - n·d ≥ n − 1: exact, P(D_n ≥ d) = 2(1 − d)ⁿ (Ruben & Gambino 1982).
 * - d ≥ ½ or n·d² ≥ 2.2: 2·P(D_n⁺ ≥ d), the one-sided Smirnov tail from the Birnbaum & Tingey (1951)
 *   finite sum, which is exact for d ≥ ½ and within scipy's own choice for large n·d².
 * - otherwise, while the matrix stays small (2⌈nd⌉ − 1 ≤ 201): exact, Durbin's matrix method as
 *   programmed by Marsaglia, Tsang & Wang (2003), "Evaluating Kolmogorov's distribution",
 *   J. Stat. Softw. 8(18).
 * - otherwise: Kolmogorov's limiting distribution at (√n + 0.12 + 0.11/√n)·d (Stephens 1970,
 *   JRSS B 32, 115–122), accurate to about 1e-3 — the one place this differs from scipy, which
 *   uses the Pelz-Good expansion there.
 *
 * @example
 * kolmogorovSf(0.3, 10); // 0.2660…
 */
export function kolmogorovSf(d: number, n: number): number {
  if (!(n >= 1) || Number.isNaN(d)) {
    return Number.NaN;
  }
  if (d >= 1) {
    return 0;
  }
  const t = n * d;
  if (t <= 0.5) {
    return 1;
  }
  if (t <= 1) {
    // log(n!/nⁿ) accumulated term by term to avoid overflow.
    let logCdf = n * Math.log(2 * t - 1);
    for (let i = 1; i <= n; i++) {
      logCdf += Math.log(i / n);
    }
    return 1 - Math.exp(logCdf);
  }
  if (t >= n - 1) {
    return 2 * (1 - d) ** n;
  }
  if (d >= 0.5 || t * d >= 2.2) {
    return Math.min(1, 2 * smirnovSf(n, d));
  }
  if (2 * Math.ceil(t) - 1 <= 201) {
    return 1 - durbinCdf(n, d);
  }
  return limitingSf((Math.sqrt(n) + 0.12 + 0.11 / Math.sqrt(n)) * d);
}

/**
 * P(D_n⁺ ≥ d) = d·Σ_{j=0}^{⌊n(1−d)⌋} C(n, j)(1 − d − j/n)^{n−j}(d + j/n)^{j−1} (Birnbaum & Tingey
 * 1951, Ann. Math. Stat. 22, 592–596), every term in log space.
 */
function smirnovSf(n: number, d: number): number {
  const last = Math.floor(n * (1 - d));
  let logChoose = 0;
  let sum = 0;
  for (let j = 0; j <= last; j++) {
    if (j > 0) {
      logChoose += Math.log((n - j + 1) / j);
    }
    const p = 1 - d - j / n;
    if (p <= 0) {
      if (n - j === 0) {
        sum += Math.exp(logChoose + (j - 1) * Math.log(d + j / n));
      }
      continue;
    }
    sum += Math.exp(logChoose + (n - j) * Math.log(p) + (j - 1) * Math.log(d + j / n));
  }
  return d * sum;
}

/** P(D_n < d) by Durbin's matrix method (Marsaglia, Tsang & Wang 2003). */
function durbinCdf(n: number, d: number): number {
  const k = Math.floor(n * d) + 1;
  const m = 2 * k - 1;
  const h = k - n * d;
  const H: number[][] = [];
  for (let i = 0; i < m; i++) {
    const row: number[] = [];
    for (let j = 0; j < m; j++) {
      row.push(i - j + 1 < 0 ? 0 : 1);
    }
    H.push(row);
  }
  for (let i = 0; i < m; i++) {
    (H[i] as number[])[0] = ((H[i] as number[])[0] as number) - h ** (i + 1);
    (H[m - 1] as number[])[i] = ((H[m - 1] as number[])[i] as number) - h ** (m - i);
  }
  if (2 * h - 1 > 0) {
    (H[m - 1] as number[])[0] = ((H[m - 1] as number[])[0] as number) + (2 * h - 1) ** m;
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const span = i - j + 1;
      if (span > 0) {
        let factorial = 1;
        for (let g = 2; g <= span; g++) {
          factorial *= g;
        }
        (H[i] as number[])[j] = ((H[i] as number[])[j] as number) / factorial;
      }
    }
  }
  const { matrix, exponent } = matrixPower(H, n);
  let s = (matrix[k - 1] as number[])[k - 1] as number;
  let e = exponent;
  for (let i = 1; i <= n; i++) {
    s = (s * i) / n;
    if (s < 1e-140) {
      s *= 1e140;
      e -= 140;
    }
  }
  return s * 10 ** e;
}

/** Hⁿ with a decimal exponent kept aside so that entries neither overflow nor underflow. */
function matrixPower(H: number[][], n: number): { matrix: number[][]; exponent: number } {
  if (n === 1) {
    return { matrix: H, exponent: 0 };
  }
  const half = matrixPower(H, Math.floor(n / 2));
  let matrix = multiply(half.matrix, half.matrix);
  let exponent = 2 * half.exponent;
  if (n % 2 === 1) {
    matrix = multiply(H, matrix);
  }
  const centre = (matrix[Math.floor(matrix.length / 2)] as number[])[Math.floor(matrix.length / 2)] as number;
  if (centre > 1e140) {
    matrix = matrix.map((row) => row.map((v) => v * 1e-140));
    exponent += 140;
  }
  return { matrix, exponent };
}

function multiply(a: number[][], b: number[][]): number[][] {
  const m = a.length;
  const out: number[][] = [];
  for (let i = 0; i < m; i++) {
    const row = new Array<number>(m).fill(0);
    const ai = a[i] as number[];
    for (let l = 0; l < m; l++) {
      const v = ai[l] as number;
      if (v === 0) {
        continue;
      }
      const bl = b[l] as number[];
      for (let j = 0; j < m; j++) {
        row[j] = (row[j] as number) + v * (bl[j] as number);
      }
    }
    out.push(row);
  }
  return out;
}

/** Q(λ) = 2Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}, Kolmogorov's limiting survival function. */
function limitingSf(lambda: number): number {
  if (lambda < 0.2) {
    return 1;
  }
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17) {
      break;
    }
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
