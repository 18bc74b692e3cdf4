import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeClass } from '../../src/perf/perfcompare/stats/student-t/change-class.ts';
import {
  compareStudentT,
  type StudentTInput,
} from '../../src/perf/perfcompare/stats/student-t/compare-student-t.ts';
import { confidenceText } from '../../src/perf/perfcompare/stats/student-t/confidence-text.ts';
import { tConfidence } from '../../src/perf/perfcompare/stats/student-t/t-confidence.ts';

function row(partial: Partial<StudentTInput> & Pick<StudentTInput, 'base' | 'new'>): StudentTInput {
  return {
    lowerIsBetter: true,
    isComplete: partial.base.length > 0 && partial.new.length > 0,
    headerName: 'suite opt',
    ...partial,
  };
}

describe('tConfidence (|t|)', () => {
  /*
   * Expected values: Python 3 `statistics.mean`/`statistics.stdev` following the steps of spec §3.12
   * (15 % sd for a single run, the single-run sd substitution, then (mean_n − mean_b)/sqrt(sd_b²/n_b + sd_n²/n_n)).
   * The first one is also easy by hand: means 11 and 21, sd 1 and 1 → 10/sqrt(2/3) = 12.2474487.
   */
  const cases: Array<[number[], number[], number]> = [
    [[10, 11, 12], [20, 21, 22], 12.24744871391589],
    [[32.4], [40.2], 1.0071393434567888],
    [[100, 102, 98, 101], [104], 1.9066955683117532],
    [[100], [103, 104, 105], 3.5664713314061642],
    [[1, 2, 3, 4, 5, 6], [2, 3, 4, 5, 6, 7], 0.9258200997725514],
  ];
  for (const [base, next, expected] of cases) {
    it(`${JSON.stringify(base)} vs ${JSON.stringify(next)} → ${expected}`, () => {
      const actual = tConfidence(base, next);
      assert.ok(Math.abs(actual - expected) < 1e-12 * expected, `${actual} != ${expected}`);
    });
  }

  it('is 0 when a side is empty', () => {
    assert.equal(tConfidence([], [1, 2]), 0);
    assert.equal(tConfidence([1, 2], []), 0);
  });

  it('is 0 on a division by zero (single-run substitution with a zero mean, or zero spread)', () => {
    assert.equal(tConfidence([5], [-1, 1]), 0); // mean_new = 0
    assert.equal(tConfidence([-1, 1], [5]), 0); // mean_base = 0
    assert.equal(tConfidence([3, 3, 3], [4, 4, 4]), 0); // sd 0 on both sides
  });
});

describe('confidenceText', () => {
  const cases: Array<[number | null, string]> = [
    [null, ''],
    [0, ''],
    [0.01, 'Low'],
    [2.999, 'Low'],
    [3, 'Medium'],
    [4.999, 'Medium'],
    [5, 'High'],
    [42, 'High'],
  ];
  for (const [confidence, text] of cases) {
    it(`${confidence} → "${text}"`, () => assert.equal(confidenceText(confidence), text));
  }
});

describe('changeClass', () => {
  const cases: Array<[string, Parameters<typeof changeClass>[0], string]> = [
    ['zero base average', { newIsBetter: true, baseAvg: 0, newAvg: 10, confidence: 10 }, ''],
    ['zero new average', { newIsBetter: true, baseAvg: 10, newAvg: 0, confidence: 10 }, ''],
    ['ratio below 1.02', { newIsBetter: false, baseAvg: 100, newAvg: 101.9, confidence: 10 }, ''],
    ['inverted ratio below 1.02', { newIsBetter: true, baseAvg: 101.9, newAvg: 100, confidence: 10 }, ''],
    ['low confidence', { newIsBetter: false, baseAvg: 100, newAvg: 150, confidence: 2.9 }, ''],
    ['medium confidence, worse', { newIsBetter: false, baseAvg: 100, newAvg: 110, confidence: 4 }, 'warning'],
    ['medium confidence, better', { newIsBetter: true, baseAvg: 110, newAvg: 100, confidence: 4 }, ''],
    ['high confidence, worse', { newIsBetter: false, baseAvg: 100, newAvg: 110, confidence: 5 }, 'danger'],
    [
      'high confidence, better (inverted ratio)',
      { newIsBetter: true, baseAvg: 110, newAvg: 100, confidence: 5 },
      'success',
    ],
    ['exactly 2 %', { newIsBetter: false, baseAvg: 100, newAvg: 102, confidence: 6 }, 'danger'],
  ];
  for (const [name, input, expected] of cases) {
    it(`${name} → "${expected}"`, () => assert.equal(changeClass(input), expected));
  }
});

describe('compareStudentT', () => {
  it('fills every V1 field for a clear regression', () => {
    const result = compareStudentT(row({ base: [10, 11, 12], new: [20, 21, 22] }));
    assert.deepEqual(result, {
      base_avg_value: 11,
      new_avg_value: 21,
      base_median_value: 11,
      new_median_value: 21,
      base_stddev: 1,
      new_stddev: 1,
      // round(100·1/11 · 100)/100 and round(100·1/21 · 100)/100
      base_stddev_pct: 9.09,
      new_stddev_pct: 4.76,
      confidence: result.confidence,
      confidence_text: 'High',
      delta_value: 10,
      delta_percentage: (100 * 10) / 11,
      magnitude: 100,
      new_is_better: false,
      is_confident: true,
      more_runs_are_needed: false,
      noise_metric: false,
      is_improvement: false,
      is_regression: true,
      is_meaningful: false,
    });
    assert.ok(Math.abs(result.confidence - 12.24744871391589) < 1e-12);
  });

  it('computes stddev_pct with Python rounding: 100·1.7078/100.25 → 1.7', () => {
    // Python: round(100*stdev([100,102,98,101])/mean(...)*100)/100 == 1.7
    assert.equal(compareStudentT(row({ base: [100, 102, 98, 101], new: [100] })).base_stddev_pct, 1.7);
  });

  describe('is_confident and more_runs_are_needed', () => {
    // n_b, n_n, data producing the wanted confidence band, expected is_confident, more_runs_are_needed
    const cases: Array<[string, number[], number[], boolean, boolean]> = [
      ['2 vs 2 runs, |t| ≥ 5', [10, 10.1], [20, 20.1], true, false],
      ['2 vs 2 runs, 3 ≤ |t| < 5', [10, 12], [14, 16], false, true],
      ['1 vs 3 runs, |t| ≥ 5 (needs > 1 run per side)', [10], [20, 20.1, 19.9], false, true],
      [
        '6 vs 6 runs, 3 ≤ |t| < 5',
        [10, 11, 12, 13, 14, 15],
        [12, 13, 14, 15, 16, 17].map((v) => v + 1.5),
        true,
        false,
      ],
      ['6 vs 6 runs, |t| < 3', [10, 11, 12, 13, 14, 15], [11, 12, 13, 14, 15, 16], false, false],
      ['5 vs 6 runs, |t| < 3', [10, 11, 12, 13, 14], [11, 12, 13, 14, 15, 16], false, true],
    ];
    for (const [name, base, next, confident, moreRuns] of cases) {
      it(name, () => {
        const result = compareStudentT(row({ base, new: next }));
        assert.equal(result.is_confident, confident, `confidence ${result.confidence}`);
        assert.equal(result.more_runs_are_needed, moreRuns);
      });
    }

    it('never asks for more runs on an incomplete row', () => {
      assert.equal(compareStudentT(row({ base: [], new: [1, 2] })).more_runs_are_needed, false);
    });
  });

  it('uses sqrt(Σx²) and stddev 1 for the noise metric header, but plain means for |t|', () => {
    const result = compareStudentT(row({ base: [3, 4], new: [6, 8], headerName: 'noise metric' }));
    assert.equal(result.base_avg_value, 5);
    assert.equal(result.new_avg_value, 10);
    assert.equal(result.base_stddev, 1);
    assert.equal(result.new_stddev, 1);
    assert.equal(result.base_stddev_pct, 20);
    assert.equal(result.new_stddev_pct, 10);
    assert.equal(result.delta_value, 5);
    assert.equal(result.delta_percentage, 100);
    assert.equal(result.confidence, tConfidence([3, 4], [6, 8]));
  });

  it('handles empty sides: zeros, no confidence, class ""', () => {
    const result = compareStudentT(row({ base: [], new: [5, 6] }));
    assert.equal(result.base_avg_value, 0);
    assert.equal(result.base_median_value, 0);
    assert.equal(result.base_stddev, 0);
    assert.equal(result.base_stddev_pct, 0);
    assert.equal(result.confidence, 0);
    assert.equal(result.confidence_text, '');
    assert.equal(result.delta_value, 5.5);
    assert.equal(result.delta_percentage, 0);
    assert.equal(result.magnitude, 0);
    assert.equal(result.is_meaningful, true);
    assert.equal(result.is_regression, false);
    const both = compareStudentT(row({ base: [], new: [], headerName: 'noise metric' }));
    assert.equal(both.base_avg_value, 0);
    assert.equal(both.new_stddev, 1);
  });

  it('follows lower_is_better for new_is_better', () => {
    assert.equal(compareStudentT(row({ base: [10], new: [9] })).new_is_better, true);
    assert.equal(compareStudentT(row({ base: [10], new: [9], lowerIsBetter: false })).new_is_better, false);
    assert.equal(compareStudentT(row({ base: [10], new: [10] })).new_is_better, false);
  });

  it('caps the magnitude at 100 and scales 5× below', () => {
    assert.equal(compareStudentT(row({ base: [100], new: [110] })).magnitude, 50);
    assert.equal(compareStudentT(row({ base: [100], new: [150] })).magnitude, 100);
  });
});
