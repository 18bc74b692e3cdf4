/** A local maximum kept by `findPeaks`. */
export interface Peak {
  index: number;
  /** Height above the higher of its two bases (scipy's `peak_prominences`). */
  prominence: number;
}

/**
 * Peaks of a sampled signal with the semantics of `scipy.signal.find_peaks(y, prominence=p,
 * distance=d)`, in scipy's order of filters:
 *
 * 1. local maxima: a sample (or the middle of a flat run, rounded down) higher than both
 *    neighbours; the first and last samples are never peaks;
 * 2. distance: from the highest peak down, drop every lower peak closer than ⌈d⌉ samples to a
 *    kept one;
 * 3. prominence: from each peak walk left and right until a higher sample (or the edge); the
 *    lowest sample on each side is a base, and the prominence is the height above the higher
 *    base. Peaks with prominence ≥ p are kept.
 *
 * @example
 * findPeaks(Float64Array.of(0, 2, 1, 3, 0), { prominence: 1, distance: 1 }); // [{ index: 1, … }, { index: 3, … }]
 */
export function findPeaks(y: Float64Array, options: { prominence: number; distance: number }): Peak[] {
  const maxima = localMaxima(y);
  const spaced = byDistance(y, maxima, Math.ceil(options.distance));
  return spaced
    .map((index) => ({ index, prominence: prominence(y, index) }))
    .filter((peak) => peak.prominence >= options.prominence);
}

function localMaxima(y: Float64Array): number[] {
  const peaks: number[] = [];
  const last = y.length - 1;
  let i = 1;
  while (i < last) {
    if ((y[i - 1] as number) < (y[i] as number)) {
      let ahead = i + 1;
      while (ahead < last && y[ahead] === y[i]) {
        ahead++;
      }
      if ((y[ahead] as number) < (y[i] as number)) {
        peaks.push(Math.floor((i + ahead - 1) / 2));
        i = ahead;
        continue;
      }
    }
    i++;
  }
  return peaks;
}

function byDistance(y: Float64Array, peaks: number[], distance: number): number[] {
  const keep = peaks.map(() => true);
  // Highest first; equal heights keep the later peak first, as a stable ascending sort read backwards.
  const order = peaks
    .map((_, k) => k)
    .sort((a, b) => (y[peaks[a] as number] as number) - (y[peaks[b] as number] as number) || a - b);
  for (let r = order.length - 1; r >= 0; r--) {
    const j = order[r] as number;
    if (!keep[j]) {
      continue;
    }
    const at = peaks[j] as number;
    for (let k = j - 1; k >= 0 && at - (peaks[k] as number) < distance; k--) {
      keep[k] = false;
    }
    for (let k = j + 1; k < peaks.length && (peaks[k] as number) - at < distance; k++) {
      keep[k] = false;
    }
  }
  return peaks.filter((_, k) => keep[k]);
}

function prominence(y: Float64Array, peak: number): number {
  const height = y[peak] as number;
  let leftMin = height;
  for (let i = peak; i >= 0 && (y[i] as number) <= height; i--) {
    leftMin = Math.min(leftMin, y[i] as number);
  }
  let rightMin = height;
  for (let i = peak; i < y.length && (y[i] as number) <= height; i++) {
    rightMin = Math.min(rightMin, y[i] as number);
  }
  return height - Math.max(leftMin, rightMin);
}
