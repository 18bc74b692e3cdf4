/**
 * The most recent statement latencies of one replica or statement shape, and their 95th percentile. The samples
 * are a ring of doubles (recording one allocates nothing); the percentile is recomputed only every few samples,
 * by sorting a copy in a second buffer kept for it (sorting on every statement would cost more than routing it).
 */
export class LatencyWindow {
  readonly #samples: Float64Array;
  readonly #sorted: Float64Array;
  readonly #resortEvery: number;
  #size = 0;
  #next = 0;
  #sinceSorted = 0;
  #p95: number | undefined;

  /** `resortEvery`: new samples after which the percentile is recomputed (default 16). */
  constructor(capacity: number, resortEvery = 16) {
    this.#samples = new Float64Array(capacity);
    this.#sorted = new Float64Array(capacity);
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
      const sorted = size === this.#samples.length ? this.#sorted : this.#sorted.subarray(0, size);
      sorted.set(size === this.#samples.length ? this.#samples : this.#samples.subarray(0, size));
      // A typed array sorts numerically, with no comparator to call.
      sorted.sort();
      this.#p95 = sorted[Math.min(size - 1, Math.ceil(size * 0.95) - 1)];
      this.#sinceSorted = 0;
    }
    return this.#p95;
  }
}
