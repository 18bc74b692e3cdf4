import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFixed } from '../../src/perf/perfcompare/stats/format-fixed.ts';
import { pythonRound } from '../../src/perf/perfcompare/stats/python-round.ts';
import { quantize2 } from '../../src/perf/perfcompare/stats/quantize.ts';

/*
 * Expected values were printed by Python 3's standard library on this machine:
 *   str(Decimal(repr(v)).quantize(Decimal('0.01')))                       # half-even (context default)
 *   str(Decimal(repr(v)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP))
 *   f"{v:.0f}", f"{v:.2f}", f"{v:+.3f}", round(v), f"{v:.0%}"
 */
describe('quantize2', () => {
  const cases: Array<[number, number, number]> = [
    // value, half-even, half-up
    [0.125, 0.12, 0.13],
    [0.135, 0.14, 0.14],
    // The double is 2.67499999…, but Decimal(str(2.675)) is an exact tie: both modes go up to 2.68.
    [2.675, 2.68, 2.68],
    [1.005, 1.0, 1.01],
    [0.015, 0.02, 0.02],
    [-0.125, -0.12, -0.13],
    [-0.135, -0.14, -0.14],
    [-2.675, -2.68, -2.68],
    [123456789.125, 123456789.12, 123456789.13],
    [1e-7, 0, 0],
    [1.5e-5, 0, 0],
    [32.4, 32.4, 32.4],
  ];
  for (const [value, halfEven, halfUp] of cases) {
    it(`${value} → ${halfEven} (half-even), ${halfUp} (half-up)`, () => {
      assert.equal(quantize2(value, 'half-even'), halfEven);
      assert.equal(quantize2(value, 'half-up'), halfUp);
    });
  }

  it('keeps the sign of a negative value that rounds to zero, as Decimal does (-0.00)', () => {
    assert.ok(Object.is(quantize2(-0.001, 'half-even'), -0));
  });

  it('passes non-finite values through', () => {
    assert.ok(Number.isNaN(quantize2(Number.NaN, 'half-even')));
    assert.equal(quantize2(Number.POSITIVE_INFINITY, 'half-up'), Number.POSITIVE_INFINITY);
  });
});

describe('formatFixed (Python f-string formatting)', () => {
  const cases: Array<[number, string, string, string]> = [
    // value, .0f, .2f, +.3f
    [0.125, '0', '0.12', '+0.125'],
    [0.5, '0', '0.50', '+0.500'],
    [1.5, '2', '1.50', '+1.500'],
    [2.5, '2', '2.50', '+2.500'],
    [12.5, '12', '12.50', '+12.500'],
    [2.675, '3', '2.67', '+2.675'],
    [-0.0001, '-0', '-0.00', '-0.000'],
    [1 / 3, '0', '0.33', '+0.333'],
  ];
  for (const [value, f0, f2, f3] of cases) {
    it(`formats ${value} like Python`, () => {
      assert.equal(formatFixed(value, 0), f0);
      assert.equal(formatFixed(value, 2), f2);
      assert.equal(formatFixed(value, 3, true), f3);
    });
  }

  it('formats percentages like f"{p:.0%}"', () => {
    assert.equal(`${formatFixed(0.125 * 100, 0)}%`, '12%');
    assert.equal(`${formatFixed(0.875 * 100, 0)}%`, '88%');
    assert.equal(`${formatFixed(0.375 * 100, 0)}%`, '38%');
  });
});

describe('pythonRound', () => {
  it('breaks exact ties to even like round()', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 12.5, -0.5, -1.5, -2.5].map(pythonRound), [0, 2, 2, 12, 0, -2, -2]);
  });

  it('rounds non-ties to nearest', () => {
    assert.deepEqual([2.675, 2.4999999, -0.0001, 170.78251276599].map(pythonRound), [3, 2, 0, 171]);
  });
});
