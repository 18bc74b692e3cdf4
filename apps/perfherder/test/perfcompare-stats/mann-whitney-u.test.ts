import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xoroshiro128plus } from 'pure-rand';
import { mannWhitneyU } from '../../src/perf/perfcompare/stats/mann-whitney/mann-whitney-u.ts';
import { allSplits, splitU } from './all-splits.ts';
import { normalSample } from './normal-sample.ts';

/** scipy's exact two-sided p: 2·P(U₁ ≥ max(U₁, U₂)) under the permutation null, by enumeration. */
function bruteForceExactP(u1: number, m: number, n: number): number {
  const u = Math.max(u1, m * n - u1);
  let atLeast = 0;
  let total = 0;
  for (const split of allSplits(m, n)) {
    total++;
    if (splitU(split) >= u) {
      atLeast++;
    }
  }
  return Math.min(1, (2 * atLeast) / total);
}

describe('mannWhitneyU', () => {
  it('matches the scipy.stats.mannwhitneyu documentation example (exact and asymptotic)', () => {
    // scipy docs: males = [19, 22, 16, 29, 24], females = [20, 11, 17, 12]
    // → statistic 17.0, pvalue 0.1111111111111111; method="asymptotic" → 0.11134688653314041.
    const males = [19, 22, 16, 29, 24];
    const females = [20, 11, 17, 12];
    assert.deepEqual(mannWhitneyU(males, females), { u1: 17, pvalue: 0.1111111111111111, method: 'exact' });
    const asymptotic = mannWhitneyU(males, females, 'asymptotic');
    assert.ok(asymptotic);
    assert.ok(Math.abs(asymptotic.pvalue - 0.11134688653314041) < 1e-14);
  });

  it('reproduces the reference fixture: base [32.4] vs new [40.2] → U 0, p 1.0', () => {
    assert.deepEqual(mannWhitneyU([32.4], [40.2]), { u1: 0, pvalue: 1, method: 'exact' });
  });

  const sizes: Array<[number, number]> = [
    [1, 7],
    [3, 4],
    [5, 5],
    [2, 9],
    [8, 6],
    [4, 12],
    [8, 9],
  ];
  for (const [m, n] of sizes) {
    it(`gives the exact p-value of full enumeration for ${m} vs ${n} (no ties)`, () => {
      const rng = xoroshiro128plus(m * 100 + n);
      for (let trial = 0; trial < 4; trial++) {
        const x = normalSample(rng, m).map((v) => v + trial * 0.4);
        const y = normalSample(rng, n);
        const result = mannWhitneyU(x, y);
        assert.ok(result);
        assert.equal(result.method, 'exact');
        const expected = bruteForceExactP(result.u1, m, n);
        assert.ok(Math.abs(result.pvalue - expected) < 1e-12, `${result.pvalue} != ${expected}`);
      }
    });
  }

  it('counts U₁ as pairs with x > y, ties counting ½ (brute force)', () => {
    const x = [1, 2, 2, 3, 4, 5, 6, 7, 8, 9];
    const y = [2, 3, 3, 5, 6, 8, 10, 11, 12, 13];
    let pairs = 0;
    for (const a of x) {
      for (const b of y) {
        pairs += a > b ? 1 : a === b ? 0.5 : 0;
      }
    }
    assert.equal(mannWhitneyU(x, y)?.u1, pairs);
  });

  it('uses the tie- and continuity-corrected normal approximation with ties', () => {
    // Python 3 (math.erfc): U₁ = 30.5, tie term Σ(t³ − t) = 30, σ² = 100/12·(21 − 30/380),
    // z = (69.5 − 50 − 0.5)/σ, p = erfc(z/√2) = 0.14923424641204888.
    const result = mannWhitneyU([1, 2, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 3, 5, 6, 8, 10, 11, 12, 13]);
    assert.ok(result);
    assert.equal(result.method, 'asymptotic');
    assert.equal(result.u1, 30.5);
    assert.ok(Math.abs(result.pvalue - 0.14923424641204888) < 1e-14);
  });

  it('switches to the normal approximation only when both samples exceed 8 values (scipy auto rule)', () => {
    const rng = xoroshiro128plus(7);
    assert.equal(mannWhitneyU(normalSample(rng, 8), normalSample(rng, 40))?.method, 'exact');
    assert.equal(mannWhitneyU(normalSample(rng, 9), normalSample(rng, 9))?.method, 'asymptotic');
    assert.equal(mannWhitneyU([1, 2, 2], [3, 4])?.method, 'asymptotic');
  });

  it('keeps tiny p-values in the far tail (no 1 − Φ cancellation)', () => {
    const x = Array.from({ length: 50 }, (_, i) => i);
    const y = Array.from({ length: 50 }, (_, i) => 100 + i);
    const result = mannWhitneyU(x, y);
    assert.ok(result);
    assert.equal(result.u1, 0);
    // Python 3: σ² = 2500/12·101, z = (2500 − 1250 − 0.5)/σ = 8.6138…, p = erfc(z/√2) = 7.066071930389029e-18.
    assert.ok(Math.abs(result.pvalue - 7.066071930389029e-18) < 1e-30, String(result.pvalue));
  });

  it('gives p = 1 when every value is tied, and null for an empty side', () => {
    assert.equal(mannWhitneyU([5, 5], [5, 5, 5])?.pvalue, 1);
    assert.equal(mannWhitneyU([], [1]), null);
    assert.equal(mannWhitneyU([1], []), null);
  });
});
