import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xoroshiro128plus } from 'pure-rand';
import { normalityCheck } from '../../src/perf/perfcompare/stats/mann-whitney/normality-check.ts';
import { shapiroWilk } from '../../src/perf/perfcompare/stats/mann-whitney/shapiro-wilk.ts';
import { normalSample } from './normal-sample.ts';

function close(actual: number, expected: number, tolerance: number): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);
}

describe('shapiroWilk', () => {
  it('reproduces the 11 weights of Shapiro & Wilk (1965): W ≈ 0.79, p ≈ 0.0067', () => {
    // Shapiro & Wilk (1965), Biometrika 52, p. 604, report W = 0.79 for these data; R's
    // shapiro.test (same AS R94 algorithm) is quoted at W = 0.79, p ≈ 0.0067.
    const result = shapiroWilk([148, 154, 158, 160, 161, 162, 166, 170, 182, 195, 236]);
    assert.ok(result);
    close(result.stat, 0.79, 0.005);
    close(result.pvalue, 0.0067, 5e-5);
    // Independent check of W with the exact coefficients tabulated by Shapiro & Wilk (1965) for n = 11
    // (0.5601, 0.3315, 0.2260, 0.1429, 0.0695): W = 0.78884 (Python), within Royston's approximation.
    close(result.stat, 0.7888401106071316, 1e-4);
  });

  it('matches R shapiro.test(women$weight): W = 0.96036, p = 0.6986 (n = 15, n ≥ 12 branch)', () => {
    // R's `women` data set (datasets package): weights 115 … 164 lb of 15 women. The R output is the
    // one printed in many R tutorials; every printed digit of W and p is reproduced.
    const result = shapiroWilk([115, 117, 120, 123, 126, 129, 132, 135, 139, 142, 146, 150, 154, 159, 164]);
    assert.ok(result);
    close(result.stat, 0.96036, 5e-6);
    close(result.pvalue, 0.6986, 5e-5);
  });

  it('matches R shapiro.test(women$height): W = 0.96359, p = 0.7545', () => {
    const result = shapiroWilk([58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72]);
    assert.ok(result);
    close(result.stat, 0.96359, 5e-6);
    close(result.pvalue, 0.7545, 5e-5);
  });

  it('uses the exact n = 3 distribution: W = 27/28 for [1, 2, 4], p = (6/π)(asin √W − π/3)', () => {
    // By hand: a₁ = √½, numerator (√½·3)² = 4.5, Σ(x − x̄)² = 42/9 → W = 0.9642857; p from Python math.
    const result = shapiroWilk([4, 1, 2]);
    assert.ok(result);
    close(result.stat, 27 / 28, 1e-15);
    close(result.pvalue, 0.6368868450289692, 1e-14);
  });

  it('is invariant to location and scale', () => {
    const data = [2.1, 2.4, 2.2, 2.9, 2.5, 3.3, 2.0, 2.6];
    const a = shapiroWilk(data);
    const b = shapiroWilk(data.map((v) => 1000 + 7 * v));
    assert.ok(a && b);
    close(a.stat, b.stat, 1e-12);
    close(a.pvalue, b.pvalue, 1e-10);
  });

  it('returns null below 3 values and W = p = 1 for constant data (scipy returns (1.0, 1.0))', () => {
    assert.equal(shapiroWilk([1, 2]), null);
    assert.deepEqual(shapiroWilk([5, 5, 5, 5]), { stat: 1, pvalue: 1 });
  });

  for (const n of [8, 25]) {
    it(`gives uniform p-values under normality (n = ${n}, 4000 seeded samples)`, () => {
      // If W's null distribution is right, P(p ≤ α) = α. With 4000 samples the standard error at
      // α = 0.05 is 0.0034 and at α = 0.5 is 0.0079; the bounds are about 3.5 standard errors.
      const rng = xoroshiro128plus(20240601 + n);
      const pvalues: number[] = [];
      for (let r = 0; r < 4000; r++) {
        pvalues.push(shapiroWilk(normalSample(rng, n))?.pvalue ?? Number.NaN);
      }
      const share = (alpha: number): number => pvalues.filter((p) => p <= alpha).length / pvalues.length;
      close(share(0.05), 0.05, 0.012);
      close(share(0.1), 0.1, 0.017);
      close(share(0.5), 0.5, 0.028);
    });
  }

  it('rejects clearly non-normal data', () => {
    const exponential = Array.from({ length: 40 }, (_, i) => -Math.log(1 - (i + 0.5) / 40));
    const result = shapiroWilk(exponential);
    assert.ok(result && result.pvalue < 0.01);
  });
});

describe('normalityCheck', () => {
  it('reports "not enough data" below 3 points, with the reference strings', () => {
    assert.deepEqual(normalityCheck([32.4], [40.2]), {
      shapiro_wilk_test_base: {
        test_name: 'Shapiro-Wilk',
        stat: null,
        pvalue: null,
        interpretation: 'Not enough data for normality test.',
      },
      shapiro_wilk_test_new: {
        test_name: 'Shapiro-Wilk',
        stat: null,
        pvalue: null,
        interpretation: 'Not enough data for normality test',
      },
      shapiro_wilk_warnings: [
        'Shapiro-Wilk test cannot be run on Base with fewer than 3 data points.',
        'Shapiro-Wilk test cannot be run on New with fewer than 3 data points.',
      ],
    });
  });

  it('interprets p-values with 2 decimals and warns on non-normal sides', () => {
    const weights = [148, 154, 158, 160, 161, 162, 166, 170, 182, 195, 236];
    const women = [115, 117, 120, 123, 126, 129, 132, 135, 139, 142, 146, 150, 154, 159, 164];
    const check = normalityCheck(women, weights);
    assert.equal(
      check.shapiro_wilk_test_base.interpretation,
      'Shapiro-Wilk result: 0.70, Base Revision is likely normal',
    );
    assert.equal(
      check.shapiro_wilk_test_new.interpretation,
      'Shapiro-Wilk result: 0.01, New Revision is **not normal**',
    );
    assert.deepEqual(check.shapiro_wilk_warnings, ['Warning, new is not normal']);
    assert.deepEqual(normalityCheck(weights, women).shapiro_wilk_warnings, ['Base is not normal.']);
  });
});
