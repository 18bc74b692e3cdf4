/**
 * Smooths `y` with a sampled Gaussian of standard deviation `sigma` grid steps, as
 * `scipy.ndimage.gaussian_filter1d(y, sigma)` with its defaults: weights truncated at 4σ and
 * normalised to sum 1, edges extended by mirror reflection that repeats the edge value
 * (`mode='reflect'`: … c b a | a b c …).
 *
 * @example
 * gaussianFilter1d(Float64Array.of(0, 0, 1, 0, 0), 1);
 */
export function gaussianFilter1d(y: Float64Array, sigma: number): Float64Array {
  const radius = Math.trunc(4 * sigma + 0.5);
  const weights: number[] = [];
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp((-0.5 * k * k) / (sigma * sigma));
    weights.push(w);
    total += w;
  }
  const n = y.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let k = -radius; k <= radius; k++) {
      acc += (weights[k + radius] as number) * (y[reflect(i + k, n)] as number);
    }
    out[i] = acc / total;
  }
  return out;
}

/** Index into a signal extended by half-sample symmetric reflection. */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) {
    j = period - 1 - j;
  }
  return j;
}
