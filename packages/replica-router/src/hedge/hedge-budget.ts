/** Buckets of the statement count over the window: a statement falls in one of these slices of it. */
const STATEMENT_BUCKETS = 100;

/**
 * A sliding-window count of one replica's statements and of its hedges: a hedge is within budget while the
 * hedges of the window stay under `share` of its statements (or under the burst allowance). Statements are
 * counted in {@link STATEMENT_BUCKETS} slices of the window (noting one is an increment; the window slides a
 * slice at a time, 100 ms of the default 10 s); hedges, rare, by their times.
 */
export class HedgeBudget {
  readonly #windowMs: number;
  readonly #share: number;
  readonly #burst: number;
  readonly #bucketMs: number;
  /** Statements per slice, a ring; `#bucket` is the slice of the newest statement, `#total` their sum. */
  readonly #counts = new Float64Array(STATEMENT_BUCKETS);
  #bucket: number | undefined;
  #total = 0;
  /** Times (ms) of the window's hedges, oldest first. */
  readonly #hedges: number[] = [];

  constructor(options: { windowMs: number; share: number; burst: number }) {
    this.#windowMs = options.windowMs;
    this.#share = options.share;
    this.#burst = options.burst;
    this.#bucketMs = options.windowMs / STATEMENT_BUCKETS;
  }

  noteStatement(now: number): void {
    this.#slide(now);
    this.#counts[(this.#bucket ?? 0) % STATEMENT_BUCKETS]!++;
    this.#total++;
  }

  /** Counts a hedge at `now`; false when it is past the budget (counted all the same). */
  spend(now: number): boolean {
    this.#slide(now);
    this.#trimHedges(now);
    const allowed = Math.max(this.#burst, this.#share * this.#total);
    this.#hedges.push(now);
    return this.#hedges.length <= allowed;
  }

  /** Hedges and statements in the window now. */
  usage(now: number): { hedges: number; statements: number } {
    this.#slide(now);
    this.#trimHedges(now);
    return { hedges: this.#hedges.length, statements: this.#total };
  }

  /** Forget the window (a replica readmitted starts afresh). */
  reset(): void {
    this.#counts.fill(0);
    this.#bucket = undefined;
    this.#total = 0;
    this.#hedges.length = 0;
  }

  /** Moves the window to `now`: the slices it left are emptied. */
  #slide(now: number): void {
    const bucket = Math.floor(now / this.#bucketMs);
    const from = this.#bucket;
    if (from === bucket) return;
    this.#bucket = bucket;
    if (from === undefined || bucket < from) return;
    const steps = Math.min(bucket - from, STATEMENT_BUCKETS);
    for (let i = 1; i <= steps; i++) {
      const slot = (from + i) % STATEMENT_BUCKETS;
      this.#total -= this.#counts[slot]!;
      this.#counts[slot] = 0;
    }
  }

  #trimHedges(now: number): void {
    const from = now - this.#windowMs;
    let drop = 0;
    while (drop < this.#hedges.length && this.#hedges[drop]! < from) drop++;
    if (drop > 0) this.#hedges.splice(0, drop);
  }
}
