/**
 * The most recent statement latencies of one replica or statement shape, and their 95th percentile. The samples
 * are a ring of doubles (recording one allocates nothing); the percentile is recomputed only every few samples,
 * as the k-th largest sample (k is 2 for a full window of 32, 13 for 256) in one pass that keeps the k largest in
 * a second buffer: no copy of the window and no sort (sorting on every statement would cost more than routing it).
 */
export class LatencyWindow {
  readonly #samples: Float64Array;
  /** The k largest samples of the last recomputation, largest first. */
  readonly #top: Float64Array;
  readonly #resortEvery: number;
  #size = 0;
  #next = 0;
  #sinceSorted = 0;
  #p95: number | undefined;

  /** `resortEvery`: new samples after which the percentile is recomputed (default 16). */
  constructor(capacity: number, resortEvery = 16) {
    this.#samples = new Float64Array(capacity);
    this.#top = new Float64Array(capacity);
    this.#resortEvery = resortEvery;
  }

  get size(): number {
    return this.#size;
  }

  record(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = this.#next + 1 === this.#samples.length ? 0 : this.#next + 1;
    if (this.#size < this.#samples.length) this.#size++;
    this.#sinceSorted++;
  }

  /** The 95th percentile (nearest rank) of the kept samples; undefined while there are none. */
  p95(): number | undefined {
    const size = this.#size;
    if (size === 0) return undefined;
    if (this.#p95 === undefined || this.#sinceSorted >= this.#resortEvery) {
      // Nearest rank: the sample at rank ceil(0.95 × size) ascending is the k-th largest.
      const k = size - Math.min(size - 1, Math.ceil(size * 0.95) - 1);
      const top = this.#top;
      const samples = this.#samples;
      let kept = 0;
      for (let i = 0; i < size; i++) {
        const x = samples[i]!;
        if (kept === k && x <= top[k - 1]!) continue;
        let j = kept < k ? kept++ : k - 1;
        while (j > 0 && top[j - 1]! < x) {
          top[j] = top[j - 1]!;
          j--;
        }
        top[j] = x;
      }
      this.#p95 = top[k - 1];
      this.#sinceSorted = 0;
    }
    return this.#p95;
  }
}
