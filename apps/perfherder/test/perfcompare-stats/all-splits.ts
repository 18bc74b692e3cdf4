/**
 * Every way to pick `m` of `m + n` pooled positions for the first sample (test support): the
 * C(m+n, m) equally likely arrangements of the permutation null distribution. Each split is a
 * boolean array over the ascending pooled order, `true` for the first sample.
 */
export function* allSplits(m: number, n: number): Generator<boolean[]> {
  const total = m + n;
  const chosen: number[] = [];
  function* pick(from: number): Generator<boolean[]> {
    if (chosen.length === m) {
      const split = new Array<boolean>(total).fill(false);
      for (const i of chosen) {
        split[i] = true;
      }
      yield split;
      return;
    }
    for (let i = from; i <= total - (m - chosen.length); i++) {
      chosen.push(i);
      yield* pick(i + 1);
      chosen.pop();
    }
  }
  yield* pick(0);
}

/** U of the first sample for an arrangement without ties: pairs where a first-sample value is above. */
export function splitU(split: readonly boolean[]): number {
  let u = 0;
  let secondBelow = 0;
  for (const first of split) {
    if (first) {
      u += secondBelow;
    } else {
      secondBelow++;
    }
  }
  return u;
}

/** max |i·n − j·m| along the arrangement's path: the KS statistic D scaled by m·n (an integer). */
export function splitScaledD(split: readonly boolean[], m: number, n: number): number {
  let i = 0;
  let j = 0;
  let d = 0;
  for (const first of split) {
    if (first) {
      i++;
    } else {
      j++;
    }
    d = Math.max(d, Math.abs(i * n - j * m));
  }
  return d;
}
