/**
 * A statement the watchdog may hedge. The watchdog owns the links (an intrusive list: watching a statement
 * allocates nothing).
 */
export interface Watched {
  /** `performance.now()` past which it is hedged (Infinity: only an ejection hedges it). */
  hedgeAt: number;
  /** Links of the watchdog's list: its business alone. */
  watchPrev: Watched | undefined;
  watchNext: Watched | undefined;
  watching: boolean;
  /**
   * Its delay has passed (`now` false), or its replica was ejected (`now` true). Called after it was taken off the
   * list; it may watch itself again (a hedge it declined).
   */
  hedge(now: boolean): void;
}

/**
 * Between two looks of a replica's watchdog at its statements in flight: a hedge starts between its delay and the
 * delay plus this (and the event loop's own lag), never before its delay.
 */
export const hedgeWatchdogTickMs = 5;

/**
 * One replica's statements in flight that may be hedged, and the one timer that hedges those past their delay: a
 * statement costs a link in a list, not a timer of its own. The timer (an unref'd interval of
 * {@link hedgeWatchdogTickMs}) runs only while statements are watched: it is armed by the first one and stops at
 * the first tick that finds none.
 */
export class HedgeWatchdog {
  #head: Watched | undefined;
  #size = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #tickMs: number;

  constructor(tickMs = hedgeWatchdogTickMs) {
    this.#tickMs = tickMs;
  }

  /** Statements watched now. */
  get size(): number {
    return this.#size;
  }

  /** Whether its timer is running (only while statements are watched, or until the tick after the last one). */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  watch(w: Watched): void {
    if (w.watching) return;
    w.watching = true;
    w.watchPrev = undefined;
    w.watchNext = this.#head;
    if (this.#head) this.#head.watchPrev = w;
    this.#head = w;
    this.#size++;
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#tickMs);
      this.#timer.unref();
    }
  }

  unwatch(w: Watched): void {
    if (!w.watching) return;
    w.watching = false;
    const { watchPrev: prev, watchNext: next } = w;
    if (prev) prev.watchNext = next;
    else this.#head = next;
    if (next) next.watchPrev = prev;
    w.watchPrev = undefined;
    w.watchNext = undefined;
    this.#size--;
  }

  /** Hedges every statement watched now, whatever its delay (its replica is out). */
  hedgeAll(): void {
    const all: Watched[] = [];
    for (let w = this.#head; w; w = w.watchNext) all.push(w);
    this.#hedgeDue(all, true);
  }

  /** Stops the timer (the pool ends). Statements still watched are left to their replica's own outcome. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    if (this.#size === 0) {
      this.stop();
      return;
    }
    const now = performance.now();
    let due: Watched[] | undefined;
    for (let w = this.#head; w; w = w.watchNext) {
      if (w.hedgeAt <= now) {
        due ??= [];
        due.push(w);
      }
    }
    // Hedged after this turn's I/O: an answer already in a socket, that a busy event loop has not read yet, decides
    // its statement first (a late client is no slow replica, and a hedge would only add to its load).
    if (due) setImmediate(() => this.#hedgeDue(due));
  }

  /** Hedges `due` (every one when `all`, else those still past their delay). */
  #hedgeDue(due: readonly Watched[], all = false): void {
    const now = performance.now();
    for (const w of due) {
      if (!w.watching || (!all && w.hedgeAt > now)) continue;
      this.unwatch(w);
      w.hedge(all);
    }
  }
}
