import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xoroshiro128plus } from 'pure-rand';
import { clesSummary } from '../../src/perf/perfcompare/stats/mann-whitney/cles-summary.ts';
import { cliffsDelta } from '../../src/perf/perfcompare/stats/mann-whitney/cliffs-delta.ts';
import { compareMannWhitney } from '../../src/perf/perfcompare/stats/mann-whitney/compare-mann-whitney.ts';
import { standardStats } from '../../src/perf/perfcompare/stats/mann-whitney/standard-stats.ts';
import { normalSample } from './normal-sample.ts';

function bruteForceCliffs(x: number[], y: number[]): number {
  let score = 0;
  for (const a of x) {
    for (const b of y) {
      score += Math.sign(a - b);
    }
  }
  return score / (x.length * y.length);
}

describe('compareMannWhitney', () => {
  it('reproduces the reference test results_with_mann_witney_u_against_no_base (base 32.4, new 40.2)', () => {
    // tests/webapp/api/test_perfcompare_api.py: base_perf_data_values = [32.4], new_perf_data_values = [40.2].
    const row = compareMannWhitney({
      base: [32.4],
      new: [40.2],
      lowerIsBetter: true,
      enableSilvermanKde: false,
    });
    assert.deepEqual(row, {
      base_standard_stats: {
        count: 1,
        min: 32.4,
        max: 32.4,
        mean: 32.4,
        median: 32.4,
        variance: 0,
        stddev: 0,
        stddev_pct: 0,
      },
      new_standard_stats: {
        count: 1,
        min: 40.2,
        max: 40.2,
        mean: 40.2,
        median: 40.2,
        variance: 0,
        stddev: 0,
        stddev_pct: 0,
      },
      delta_value: 40.2 - 32.4,
      delta_percentage: (100 * (40.2 - 32.4)) / 32.4,
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
      ks_test: {
        test_name: 'Kolmogorov-Smirnov',
        stat: 1,
        pvalue: 1,
        interpretation: 'KS test p-value: 1.000, good fit',
      },
      ks_warning: null,
      is_fit_good: true,
      mann_whitney_test: {
        test_name: 'Mann-Whitney U',
        stat: 0,
        pvalue: 1,
        interpretation: 'not significant',
      },
      cliffs_delta: -1,
      cliffs_interpretation: 'large',
      warning_c_delta: null,
      is_meaningful: true,
      cles: {
        cles: 0,
        cles_direction: 'no change',
        mann_whitney_u_cles: '',
        cliffs_delta_cles: "Cliff's Delta: -1.00 → large",
        effect_size: 'large',
        cles_explanation: '100% chance a new value > base value',
      },
      direction_of_change: 'no change',
      is_new_better: null,
      silverman_kde: null,
      silverman_warnings: [],
      kde_warnings: [],
      is_confident: false,
      more_runs_are_needed: false,
    });
    for (const absent of ['is_improvement', 'is_regression', 'kde_base', 'kde_new']) {
      assert.equal(absent in row, false, absent);
    }
  });

  describe('direction_of_change and is_new_better', () => {
    const low = Array.from({ length: 12 }, (_, i) => 100 + i * 0.1);
    const high = low.map((v) => v + 5);
    const cases: Array<[string, number[], number[], boolean, string, boolean | null]> = [
      ['new higher, lower is better', low, high, true, 'regression', false],
      ['new higher, higher is better', low, high, false, 'improvement', true],
      ['new lower, lower is better', high, low, true, 'improvement', true],
      ['new lower, higher is better', high, low, false, 'regression', false],
      // Significant but negligible: |δ| < 0.15 needs many values; same data on both sides is not significant.
      ['no difference', low, [...low], true, 'no change', null],
    ];
    for (const [name, base, next, lowerIsBetter, direction, better] of cases) {
      it(name, () => {
        const row = compareMannWhitney({ base, new: next, lowerIsBetter, enableSilvermanKde: false });
        assert.equal(row.direction_of_change, direction);
        assert.equal(row.is_new_better, better);
        assert.equal(row.cles?.cles_direction, direction);
      });
    }

    it('stays "no change" when significant but negligible (|δ| < 0.15)', () => {
      const rng = xoroshiro128plus(3);
      const base = normalSample(rng, 3000);
      const next = normalSample(rng, 3000).map((v) => v + 0.15);
      const row = compareMannWhitney({ base, new: next, lowerIsBetter: true, enableSilvermanKde: false });
      assert.equal(row.mann_whitney_test?.interpretation, 'significant');
      assert.equal(row.cliffs_interpretation, 'negligible');
      assert.equal(row.is_meaningful, false);
      assert.equal(row.direction_of_change, 'no change');
    });
  });

  it('reports a poor KS fit with the reference warning', () => {
    const base = [1, 2, 3, 4, 5, 6];
    const row = compareMannWhitney({
      base,
      new: base.map((v) => v + 10),
      lowerIsBetter: true,
      enableSilvermanKde: false,
    });
    assert.equal(row.ks_test?.interpretation, 'KS test p-value: 0.002, poor fit');
    assert.equal(
      row.ks_warning,
      'Distributions seem to differ (KS test). Review KDE before drawing conclusions.',
    );
    assert.equal(row.is_fit_good, false);
  });

  it('uses medians for the delta and handles an empty side', () => {
    const row = compareMannWhitney({
      base: [],
      new: [1, 5, 9],
      lowerIsBetter: true,
      enableSilvermanKde: false,
    });
    assert.equal(row.delta_value, 5);
    assert.equal(row.delta_percentage, 0);
    assert.equal(row.ks_test, null);
    assert.equal(row.is_fit_good, null);
    assert.equal(row.mann_whitney_test, null);
    assert.equal(row.cliffs_delta, null);
    assert.equal(row.cliffs_interpretation, 'Effect cannot be interpreted');
    assert.equal(row.warning_c_delta, 'Empty data in one group, cannot compute Cliffs Delta');
    assert.equal(row.cles, null);
    assert.equal(row.is_meaningful, false);
    assert.equal(row.direction_of_change, 'no change');
  });

  it('adds the Silverman KDE block only when enabled', () => {
    const input = { base: [10, 10.5, 11, 10.2, 10.8], new: [12, 12.5, 13, 12.2, 12.8], lowerIsBetter: true };
    assert.equal(compareMannWhitney({ ...input, enableSilvermanKde: false }).silverman_kde, null);
    const row = compareMannWhitney({ ...input, enableSilvermanKde: true });
    assert.equal(row.silverman_kde?.bandwidth, 'Silverman');
    assert.ok(Array.isArray(row.silverman_warnings));
  });
});

describe('cliffsDelta', () => {
  it('matches the all-pairs definition, ties included', () => {
    const rng = xoroshiro128plus(11);
    for (let trial = 0; trial < 20; trial++) {
      const x = normalSample(rng, 1 + trial).map((v) => Math.round(v * 3) / 3);
      const y = normalSample(rng, 2 + ((trial * 7) % 13)).map((v) => Math.round(v * 3) / 3 + 0.2);
      assert.ok(Math.abs((cliffsDelta(x, y) as number) - bruteForceCliffs(x, y)) < 1e-15);
    }
  });

  it('is −1 when every base value is below every new value, and null for an empty side', () => {
    assert.equal(cliffsDelta([32.4], [40.2]), -1);
    assert.equal(cliffsDelta([], [1]), null);
  });
});

describe('cliffs_interpretation thresholds', () => {
  // Base [k] against new 1…100: k − 1 wins, 100 − k losses, one tie → δ = (2k − 101)/100 exactly.
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);
  const cases: Array<[number, number, string]> = [
    [57, 0.13, 'negligible'],
    [58, 0.15, 'small'],
    [66, 0.31, 'small'],
    [67, 0.33, 'moderate'],
    [73, 0.45, 'moderate'],
    [74, 0.47, 'large'],
    [27, -0.47, 'large'],
    [44, -0.13, 'negligible'],
  ];
  for (const [k, delta, expected] of cases) {
    it(`δ = ${delta} → ${expected}`, () => {
      const row = compareMannWhitney({
        base: [k],
        new: oneToHundred,
        lowerIsBetter: true,
        enableSilvermanKde: false,
      });
      assert.equal(row.cliffs_delta, delta);
      assert.equal(row.cliffs_interpretation, expected);
      assert.equal(row.is_meaningful, expected !== 'negligible');
    });
  }
});

describe('clesSummary', () => {
  it('words each side of ½ and ½ itself like the reference', () => {
    const at = (cles: number): ReturnType<typeof clesSummary> =>
      clesSummary({ cles, cliffsDelta: 2 * cles - 1, effectSize: 'x', direction: 'no change' });
    assert.equal(at(0.75).cles_explanation, '75% chance a base value > a new value');
    assert.equal(at(0.25).cles_explanation, '75% chance a new value > base value');
    assert.equal(at(0.5).cles_explanation, 'CLES cannot be interpreted');
    assert.equal(
      at(0.75).mann_whitney_u_cles,
      '0.75 → 75% chance a value from `base` is greater than a value from `new`',
    );
    assert.equal(
      at(0.25).mann_whitney_u_cles,
      '0.75 → 75% chance a value from `new` is greater than a value from `base`',
    );
    assert.equal(
      at(0.5).mann_whitney_u_cles,
      '0.50 → 50% chance a value from `base` is greater than a value from `new`',
    );
    assert.equal(at(0.5).cliffs_delta_cles, '');
    assert.equal(at(0.75).cliffs_delta_cles, "Cliff's Delta: 0.50 → x");
  });

  it('rounds percentage ties to even like Python (12.5 % → "12%")', () => {
    const summary = clesSummary({
      cles: 0.875,
      cliffsDelta: 0.75,
      effectSize: 'large',
      direction: 'no change',
    });
    assert.equal(summary.cles_explanation, '88% chance a base value > a new value');
    assert.equal(
      clesSummary({ cles: 0.125, cliffsDelta: -0.75, effectSize: 'large', direction: 'no change' })
        .cles_explanation,
      '88% chance a new value > base value',
    );
    assert.equal(
      clesSummary({ cles: 0.625, cliffsDelta: 0.25, effectSize: 'small', direction: 'no change' })
        .cles_explanation,
      '62% chance a base value > a new value',
    );
  });
});

describe('standardStats', () => {
  it('uses the population variance and the sample standard deviation', () => {
    // [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, Σ(x − x̄)² = 32 → variance 32/8 = 4, sample sd √(32/7).
    assert.deepEqual(standardStats([2, 4, 4, 4, 5, 5, 7, 9]), {
      count: 8,
      min: 2,
      max: 9,
      mean: 5,
      median: 4.5,
      variance: 4,
      stddev: Math.sqrt(32 / 7),
      stddev_pct: (100 * Math.sqrt(32 / 7)) / 5,
    });
  });

  it('is all zeros for an empty side', () => {
    assert.deepEqual(standardStats([]), {
      count: 0,
      min: 0,
      max: 0,
      mean: 0,
      median: 0,
      variance: 0,
      stddev: 0,
      stddev_pct: 0,
    });
  });
});
