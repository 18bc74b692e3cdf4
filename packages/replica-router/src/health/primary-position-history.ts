import type { WalPosition } from '../wal/wal-position.ts';
import type { PrimarySample } from './probe-sample.ts';

/**
 * The primary's recent WAL positions with the time each was read, oldest first. It turns a replica's replay
 * position into a time lag without trusting commit timestamps: a replica that has replayed the position the
 * primary had at time t has every change older than t, so its lag is at most `now - t`.
 */
export class PrimaryPositionHistory {
  readonly #samples: PrimarySample[] = [];
  readonly #retainMs: number;
  readonly #maxSamples: number;

  /** Keeps samples for `retainMs` and at most `maxSamples` of them. */
  constructor(retainMs: number, maxSamples = 2048) {
    this.#retainMs = retainMs;
    this.#maxSamples = maxSamples;
  }

  record(sample: PrimarySample): void {
    const last = this.#samples.at(-1);
    // Out-of-order answers (a slow probe finishing after a newer one) add nothing.
    if (last && (sample.at < last.at || sample.position < last.position)) return;
    this.#samples.push(sample);
    const horizon = sample.at - this.#retainMs;
    let drop = 0;
    // Keep one sample older than the horizon: it still bounds a replica that is far behind.
    while (drop < this.#samples.length - 1 && (this.#samples[drop + 1]?.at ?? 0) <= horizon) drop++;
    drop = Math.max(drop, this.#samples.length - this.#maxSamples);
    if (drop > 0) this.#samples.splice(0, drop);
  }

  get latest(): PrimarySample | undefined {
    return this.#samples.at(-1);
  }

  get oldest(): PrimarySample | undefined {
    return this.#samples[0];
  }

  /** When the primary was last at or below `replay`: the newest sample a replica at `replay` has fully replayed. */
  caughtUpAt(replay: WalPosition): number | undefined {
    for (let i = this.#samples.length - 1; i >= 0; i--) {
      const sample = this.#samples[i]!;
      if (sample.position <= replay) return sample.at;
    }
    return undefined;
  }
}
