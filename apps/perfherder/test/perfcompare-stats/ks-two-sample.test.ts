import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xoroshiro128plus } from 'pure-rand';
import { kolmogorovSf } from '../../src/perf/perfcompare/stats/mann-whitney/kolmogorov-sf.ts';
import { ksTwoSample } from '../../src/perf/perfcompare/stats/mann-whitney/ks-two-sample.ts';
import { allSplits, splitScaledD } from './all-splits.ts';
import { normalSample } from './normal-sample.ts';

/** D·m·n from the empirical CDFs, by definition (test support, O(N²)). */
function scaledD(x: number[], y: number[]): number {
  let d = 0;
  for (const t of [...x, ...y]) {
    const fx = x.filter((v) => v <= t).length;
    const fy = y.filter((v) => v <= t).length;
    d = Math.max(d, Math.abs(fx * y.length - fy * x.length));
  }
  return d;
}

/** P(D ≥ d) under the permutation null, by enumerating every arrangement. */
function bruteForceP(scaled: number, m: number, n: number): number {
  let atLeast = 0;
  let total = 0;
  for (const split of allSplits(m, n)) {
    total++;
    if (splitScaledD(split, m, n) >= scaled) {
      atLeast++;
    }
  }
  return atLeast / total;
}

describe('ksTwoSample', () => {
  it('reproduces the reference fixture: base [32.4] vs new [40.2] → stat 1.0, p 1.0', () => {
    assert.deepEqual(ksTwoSample([32.4], [40.2]), { stat: 1, pvalue: 1, method: 'exact' });
  });

  it('gives p = 2/C(6,3) = 0.1 for fully separated samples of 3', () => {
    const result = ksTwoSample([1, 2, 3], [4, 5, 6]);
    assert.ok(result);
    assert.equal(result.stat, 1);
    assert.ok(Math.abs(result.pvalue - 0.1) < 1e-15);
  });

  const sizes: Array<[number, number]> = [
    [2, 10],
    [3, 4],
    [5, 5],
    [6, 9],
    [7, 7],
    [8, 5],
    [4, 12],
  ];
  for (const [m, n] of sizes) {
    it(`gives the exact p-value of full enumeration for ${m} vs ${n}`, () => {
      const rng = xoroshiro128plus(1000 * m + n);
      for (let trial = 0; trial < 4; trial++) {
        const x = normalSample(rng, m).map((v) => v + trial * 0.5);
        const y = normalSample(rng, n);
        const result = ksTwoSample(x, y);
        assert.ok(result);
        const scaled = scaledD(x, y);
        assert.ok(Math.abs(result.stat - scaled / (m * n)) < 1e-12);
        const expected = bruteForceP(scaled, m, n);
        assert.ok(Math.abs(result.pvalue - expected) < 1e-12, `${result.pvalue} != ${expected}`);
      }
    });
  }

  it('computes D from the empirical CDFs when the data have ties', () => {
    const x = [1, 2, 2, 3, 3, 3];
    const y = [2, 3, 3, 4, 4];
    const result = ksTwoSample(x, y);
    assert.ok(result);
    assert.ok(Math.abs(result.stat - scaledD(x, y) / 30) < 1e-12);
    assert.ok(Math.abs(result.pvalue - bruteForceP(scaledD(x, y), 6, 5)) < 1e-12);
  });

  it('is stat 0, p 1 for identical samples and null for an empty side', () => {
    assert.deepEqual(ksTwoSample([1, 2, 3], [3, 2, 1]), { stat: 0, pvalue: 1, method: 'exact' });
    assert.equal(ksTwoSample([], [1]), null);
  });

  it('keeps tiny exact p-values: 2/C(40,20) for fully separated samples of 20', () => {
    // Only the two all-one-side arrangements reach D = 1; C(40, 20) = 137846528820.
    const x = Array.from({ length: 20 }, (_, i) => i);
    const result = ksTwoSample(
      x,
      x.map((v) => v + 100),
    );
    assert.ok(result);
    assert.ok(Math.abs(result.pvalue / (2 / 137846528820) - 1) < 1e-12);
  });

  it('uses kstwo.sf(D, round(mn/(m+n))) above 10 000 values', () => {
    const rng = xoroshiro128plus(99);
    const big = normalSample(rng, 10_001);
    const small = normalSample(rng, 40).map((v) => v + 0.5);
    const result = ksTwoSample(big, small);
    assert.ok(result);
    assert.equal(result.method, 'asymptotic');
    const en = Math.round((10_001 * 40) / 10_041);
    assert.equal(result.pvalue, kolmogorovSf(result.stat, en));
  });
});

describe('kolmogorovSf (scipy kstwo.sf)', () => {
  it('matches Marsaglia, Tsang & Wang (2003): P(D₁₀ < 0.274) = 0.6284796154565043', () => {
    assert.ok(Math.abs(1 - kolmogorovSf(0.274, 10) - 0.6284796154565043) < 1e-14);
  });

  it('uses the Ruben-Gambino closed forms at both ends', () => {
    // n·d ≤ 1: P(D_n < d) = n!/nⁿ·(2nd − 1)ⁿ; n = 5, d = 0.15 → 120/3125·0.5⁵ = 0.0012.
    assert.ok(Math.abs(kolmogorovSf(0.15, 5) - (1 - 0.0012)) < 1e-15);
    // n·d ≥ n − 1: P(D_n ≥ d) = 2(1 − d)ⁿ; n = 5, d = 0.85 → 2·0.15⁵.
    assert.ok(Math.abs(kolmogorovSf(0.85, 5) - 2 * 0.15 ** 5) < 1e-18);
    assert.equal(kolmogorovSf(0.05, 5), 1);
    assert.equal(kolmogorovSf(1, 5), 0);
  });

  it('agrees with itself across the switch from the Durbin matrix to the Smirnov sum', () => {
    for (const n of [20, 60, 100]) {
      const d = Math.sqrt(2.2 / n);
      const below = kolmogorovSf(d * (1 - 1e-9), n);
      const above = kolmogorovSf(d, n);
      assert.ok(Math.abs(below - above) / above < 1e-3, `${n}: ${below} vs ${above}`);
    }
  });

  it('approaches the 5 % point of the limiting distribution (1.3581/√n) for large n', () => {
    // 1.3581 is the classical 5 % critical value of Kolmogorov's limiting distribution, Q(1.3581) = 0.0500.
    const n = 40_000;
    assert.ok(Math.abs(kolmogorovSf(1.3581 / Math.sqrt(n), n) - 0.05) < 0.002);
  });
});
