/**
 * A sliding-window count of one replica's statements and of its hedges: a hedge is within budget while the
 * hedges of the window stay under `share` of its statements (or under the burst allowance).
 */
export class HedgeBudget {
  readonly #windowMs: number;
  readonly #share: number;
  readonly #burst: number;
  /** Times (ms) of the window's statements and hedges, oldest first. */
  readonly #statements: number[] = [];
  readonly #hedges: number[] = [];

  constructor(options: { windowMs: number; share: number; burst: number }) {
    this.#windowMs = options.windowMs;
    this.#share = options.share;
    this.#burst = options.burst;
  }

  noteStatement(now: number): void {
    this.#statements.push(now);
    this.#trim(now);
  }

  /** Counts a hedge at `now`; false when it is past the budget (counted all the same). */
  spend(now: number): boolean {
    this.#trim(now);
    const allowed = Math.max(this.#burst, this.#share * this.#statements.length);
    this.#hedges.push(now);
    return this.#hedges.length <= allowed;
  }

  /** Hedges and statements in the window now. */
  usage(now: number): { hedges: number; statements: number } {
    this.#trim(now);
    return { hedges: this.#hedges.length, statements: this.#statements.length };
  }

  /** Forget the window (a replica readmitted starts afresh). */
  reset(): void {
    this.#statements.length = 0;
    this.#hedges.length = 0;
  }

  #trim(now: number): void {
    const from = now - this.#windowMs;
    for (const list of [this.#statements, this.#hedges]) {
      let drop = 0;
      while (drop < list.length && list[drop]! < from) drop++;
      if (drop > 0) list.splice(0, drop);
    }
  }
}
