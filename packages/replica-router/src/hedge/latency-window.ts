/**
 * The most recent statement latencies of one replica, and their 95th percentile. The percentile is recomputed
 * only every few samples (sorting on every statement would cost more than the statement's routing).
 */
export class LatencyWindow {
  readonly #samples: number[] = [];
  readonly #capacity: number;
  #next = 0;
  #sinceSorted = 0;
  #p95: number | undefined;

  readonly #resortEvery: number;

  /** `resortEvery`: new samples after which the percentile is recomputed (default 16). */
  constructor(capacity: number, resortEvery = 16) {
    this.#capacity = capacity;
    this.#resortEvery = resortEvery;
  }

  get size(): number {
    return this.#samples.length;
  }

  record(ms: number): void {
    if (this.#samples.length < this.#capacity) this.#samples.push(ms);
    else this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#capacity;
    this.#sinceSorted++;
  }

  /** The 95th percentile (nearest rank) of the kept samples; undefined while there are none. */
  p95(): number | undefined {
    if (this.#samples.length === 0) return undefined;
    if (this.#p95 === undefined || this.#sinceSorted >= this.#resortEvery) {
      const sorted = [...this.#samples].sort((a, b) => a - b);
      this.#p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
      this.#sinceSorted = 0;
    }
    return this.#p95;
  }
}
