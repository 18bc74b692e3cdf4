import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xoroshiro128plus } from 'pure-rand';
import { percentile } from '../../src/perf/perfcompare/stats/percentile.ts';
import { bootstrapMedianShift } from '../../src/perf/perfcompare/stats/silverman-kde/bootstrap-median-shift.ts';
import { findPeaks } from '../../src/perf/perfcompare/stats/silverman-kde/find-peaks.ts';
import { gaussianFilter1d } from '../../src/perf/perfcompare/stats/silverman-kde/gaussian-filter-1d.ts';
import { gaussianKdeGrid } from '../../src/perf/perfcompare/stats/silverman-kde/gaussian-kde-grid.ts';
import { inputSeed } from '../../src/perf/perfcompare/stats/silverman-kde/input-seed.ts';
import { silvermanBandwidth } from '../../src/perf/perfcompare/stats/silverman-kde/silverman-bandwidth.ts';
import { silvermanKde } from '../../src/perf/perfcompare/stats/silverman-kde/silverman-kde.ts';
import { normalSample } from './normal-sample.ts';

const rng = xoroshiro128plus(4242);
const unimodal = normalSample(rng, 60).map((v) => 100 + 2 * v);
const unimodalShifted = normalSample(rng, 60).map((v) => 104 + 2 * v);
const bimodal = [...normalSample(rng, 40).map((v) => 100 + v), ...normalSample(rng, 40).map((v) => 120 + v)];

describe('silvermanKde', () => {
  it('is deterministic: the same input gives the same output, bootstrap included', () => {
    const first = silvermanKde(unimodal, unimodalShifted, true);
    const second = silvermanKde([...unimodal], [...unimodalShifted], true);
    assert.deepEqual(first, second);
    assert.ok(first.silverman_kde.modes[0]?.ci_low !== null);
  });

  it('finds one mode in a unimodal sample and two in a clearly bimodal one', () => {
    const result = silvermanKde(unimodal, bimodal, true);
    assert.equal(result.silverman_kde.base_mode_count, 1);
    assert.equal(result.silverman_kde.new_mode_count, 2);
    const [low, high] = result.silverman_kde.new_locations ?? [];
    assert.ok(low !== undefined && Math.abs(low - 100) < 2, String(low));
    assert.ok(high !== undefined && Math.abs(high - 120) < 2, String(high));
    // Different mode counts: each base mode is listed unmeasured, and the reference's warnings say why.
    assert.deepEqual(
      result.silverman_kde.modes.map((m) => [m.mode_name, m.median_shift_summary, m.ci_low, m.shift]),
      [['Mode 1', 'Cannot measure shift, base mode count not equal to new mode count', 0, null]],
    );
    assert.deepEqual(result.silverman_warnings, [
      'New revision distribution appears multimodal.',
      'Mode count between base and new revision different, look at the KDE.',
    ]);
    assert.equal(result.silverman_kde.is_regression, null);
  });

  it('pairs modes in order and measures each median shift with a bootstrap CI', () => {
    const result = silvermanKde(
      bimodal,
      bimodal.map((v) => v + 3),
      true,
    );
    const { modes, base_mode_count, new_mode_count, is_regression, is_improvement } = result.silverman_kde;
    assert.equal(base_mode_count, 2);
    assert.equal(new_mode_count, 2);
    assert.equal(modes.length, 2);
    for (const [i, mode] of modes.entries()) {
      assert.equal(mode.mode_name, `Mode ${i + 1}`);
      assert.ok(Math.abs((mode.shift as number) - 3) < 1e-9);
      assert.ok((mode.ci_low as number) > 0 && (mode.ci_low as number) <= 3 && (mode.ci_high as number) >= 3);
      assert.match(
        mode.median_shift_summary,
        /^Median shift: \+3\.000 \(95% CI: \+\d\.\d{3} to \+\d\.\d{3}\)$/,
      );
      assert.equal(mode.shift_summary, 'Performance regressed (median increased)');
      assert.match(mode.mode_start, /^\d+\.\d{2}$/);
      assert.equal(mode.ci_warning, null);
    }
    assert.equal(is_regression, true);
    assert.equal(is_improvement, false);
  });

  it('calls a higher median an improvement when higher is better, and no shift when the CI spans 0', () => {
    assert.equal(
      silvermanKde(
        unimodal,
        unimodal.map((v) => v + 4),
        false,
      ).silverman_kde.modes[0]?.shift_summary,
      'Performance improved (median increased)',
    );
    const same = silvermanKde(unimodal, [...unimodal].reverse(), true).silverman_kde;
    assert.equal(same.modes[0]?.shift_summary, 'No significant shift');
    assert.equal(same.is_regression, false);
    assert.equal(same.is_improvement, false);
  });

  it('runs on a single value (one mode at it, prominence 0) and skips an empty side, with a warning', () => {
    const single = silvermanKde([5], unimodal, true);
    assert.equal(single.silverman_kde.base_mode_count, 1);
    assert.deepEqual(single.silverman_kde.base_locations, [5]);
    assert.equal(single.silverman_kde.base_prominence, 0);
    assert.deepEqual(single.silverman_warnings, []);
    // One value against many: the mode is listed, but one value cannot be bootstrapped.
    assert.equal(single.silverman_kde.modes[0]?.shift, null);
    assert.equal(single.silverman_kde.is_regression, null);

    const empty = silvermanKde([], unimodal, true);
    assert.equal(empty.silverman_kde.base_mode_count, 0);
    assert.equal(empty.silverman_kde.base_locations, null);
    assert.equal(empty.silverman_kde.base_prominence, null);
    assert.deepEqual(empty.silverman_kde.modes, []);
    assert.deepEqual(empty.silverman_warnings, [
      'Base revision has less than 2 data points to run Silverman KDE.',
      'Mode count between base and new revision different, look at the KDE.',
    ]);
  });
});

describe('silvermanBandwidth', () => {
  it('uses min(s, IQR/1.349)·(3n/4)^(−1/5)', () => {
    // Python 3: s = 1.5811, IQR/1.3489795 = 1.4826 → 1.4826·3.75^(−0.2) = 1.138199504220153.
    assert.ok(Math.abs(silvermanBandwidth([1, 2, 3, 4, 5]) - 1.138199504220153) < 1e-14);
  });

  it('falls back like KDEpy for degenerate data', () => {
    assert.equal(silvermanBandwidth([7]), 1);
    assert.equal(silvermanBandwidth([3, 3, 3]), 1);
    // Zero IQR but a wider 1–99 % range: (p99 − p1)/4.6527·(3n/4)^(−1/5).
    const data = [5, 5, 5, 5, 5, 5, 5, 5, 5, 9];
    const expected =
      ((percentile(
        [...data].sort((a, b) => a - b),
        99,
      ) -
        5) /
        4.6526957480816815) *
      7.5 ** -0.2;
    assert.ok(Math.abs(silvermanBandwidth(data) - expected) < 1e-14);
  });
});

describe('gaussianKdeGrid', () => {
  it('integrates to about 1 over its 1024-point grid', () => {
    const { x, y } = gaussianKdeGrid(unimodal, silvermanBandwidth(unimodal));
    assert.equal(x.length, 1024);
    const dx = (x[1] as number) - (x[0] as number);
    const area = y.reduce((sum, v) => sum + v * dx, 0);
    assert.ok(Math.abs(area - 1) < 0.01, String(area));
  });
});

describe('findPeaks (scipy.signal.find_peaks semantics)', () => {
  it('computes prominences against the higher base', () => {
    // By hand: peak at 1 (height 2) has bases 0 (left) and 1 (right, before the higher 3) → prominence 1.
    const peaks = findPeaks(Float64Array.of(0, 2, 1, 3, 0), { prominence: 0, distance: 1 });
    assert.deepEqual(peaks, [
      { index: 1, prominence: 1 },
      { index: 3, prominence: 3 },
    ]);
    assert.deepEqual(
      findPeaks(Float64Array.of(0, 2, 1, 3, 0), { prominence: 1.5, distance: 1 }).map((p) => p.index),
      [3],
    );
  });

  it('keeps the higher of two peaks closer than the distance', () => {
    assert.deepEqual(
      findPeaks(Float64Array.of(0, 2, 1, 3, 0), { prominence: 0, distance: 3 }).map((p) => p.index),
      [3],
    );
  });

  it('takes the middle (rounded down) of a flat top and never the edges', () => {
    assert.deepEqual(
      findPeaks(Float64Array.of(0, 1, 1, 1, 0), { prominence: 0, distance: 1 }).map((p) => p.index),
      [2],
    );
    assert.deepEqual(
      findPeaks(Float64Array.of(0, 1, 1, 0), { prominence: 0, distance: 1 }).map((p) => p.index),
      [1],
    );
    assert.deepEqual(findPeaks(Float64Array.of(5, 1, 5), { prominence: 0, distance: 1 }), []);
  });
});

describe('gaussianFilter1d', () => {
  it('leaves a constant signal unchanged (reflected edges) and preserves an interior impulse sum', () => {
    const constant = gaussianFilter1d(new Float64Array(20).fill(3), 2);
    assert.ok(constant.every((v) => Math.abs(v - 3) < 1e-12));
    const impulse = new Float64Array(41);
    impulse[20] = 1;
    const smoothed = gaussianFilter1d(impulse, 2);
    assert.ok(Math.abs(smoothed.reduce((s, v) => s + v, 0) - 1) < 1e-12);
    // Symmetric around the impulse, and truncated at 4σ + 0.5 → radius 8.
    assert.equal(smoothed[12], smoothed[28]);
    assert.equal(smoothed[11], 0);
    assert.ok((smoothed[12] as number) > 0);
  });
});

describe('bootstrapMedianShift', () => {
  it('reports the exact median shift and a percentile interval around it', () => {
    const result = bootstrapMedianShift([10, 11, 12, 13, 14], [20, 21, 22, 23, 24], xoroshiro128plus(1));
    assert.equal(result.shift, 10);
    assert.ok(result.ciLow <= 10 && result.ciHigh >= 10);
    // Every resampled median difference lies between 20 − 14 and 24 − 10.
    assert.ok(result.ciLow >= 6 && result.ciHigh <= 14);
  });

  it('repeats itself for the same seed', () => {
    const a = bootstrapMedianShift(
      unimodal,
      unimodalShifted,
      xoroshiro128plus(inputSeed(unimodal, unimodalShifted)),
    );
    const b = bootstrapMedianShift(
      unimodal,
      unimodalShifted,
      xoroshiro128plus(inputSeed(unimodal, unimodalShifted)),
    );
    assert.deepEqual(a, b);
  });
});

describe('inputSeed', () => {
  it('depends on the values and on which side they are', () => {
    assert.equal(inputSeed([1, 2], [3]), inputSeed([1, 2], [3]));
    assert.notEqual(inputSeed([1, 2], [3]), inputSeed([1], [2, 3]));
    assert.notEqual(inputSeed([1, 2], [3]), inputSeed([1, 2], [3.0000001]));
  });
});

describe('percentile (numpy linear)', () => {
  it('matches numpy.percentile examples', () => {
    // numpy docs: np.percentile([[10, 7, 4], [3, 2, 1]], 50) → 3.5.
    assert.equal(percentile([1, 2, 3, 4, 7, 10], 50), 3.5);
    // Linear: rank 0.25·3 = 0.75 → 1 + 0.75 = 1.75; rank 2.25 → 3.25.
    assert.equal(percentile([1, 2, 3, 4], 25), 1.75);
    assert.equal(percentile([1, 2, 3, 4], 75), 3.25);
    assert.equal(percentile([5], 97.5), 5);
  });
});
