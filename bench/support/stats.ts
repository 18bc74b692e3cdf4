/** Small statistics the benchmarks share: medians, percentiles of sorted samples, rounding. */

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? Number.NaN) + (s[m] ?? Number.NaN)) / 2;
}

/** The `q` quantile (0-1, nearest rank) of `sorted` (ascending); NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Ids 1…`rows` from a xorshift32 sequence seeded by `seed`: cheap, and the same sequence for every variant a
 * benchmark compares.
 */
export function idSequence(seed: number, rows: number): () => number {
  let x = 0x9e3779b9 ^ seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % rows) + 1;
  };
}
