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
 * Longest sleep of a replica's watchdog timer: it looks at its statements at the earliest of their hedge times, and
 * at least this often while any is watched; with none left, it stops at that look.
 */
export const hedgeWatchdogIdleMs = 100;

/**
 * One replica's statements in flight that may be hedged, and the one timer that hedges those past their delay: a
 * statement costs a link in a list, not a timer of its own. The timer (unref'd, one `setTimeout` at a time) is set
 * for the earliest hedge time it knows of, at most {@link hedgeWatchdogIdleMs} ahead: a statement answered in time
 * moves nothing, so a replica busy with fast reads wakes the event loop once per delay (or per idle period), not
 * on every statement nor on a fixed short tick. It runs only while statements are watched: armed by the first one,
 * it stops at the first look that finds none.
 */
export class HedgeWatchdog {
  #head: Watched | undefined;
  #size = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** `performance.now()` the timer is set for (Infinity: no timer). */
  #timerAt = Number.POSITIVE_INFINITY;
  readonly #idleMs: number;
  readonly #look = () => this.#tick();

  constructor(idleMs = hedgeWatchdogIdleMs) {
    this.#idleMs = idleMs;
  }

  /** Statements watched now. */
  get size(): number {
    return this.#size;
  }

  /** Whether its timer is running (only while statements are watched, or until its next look after the last one). */
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
    this.#arm(w.hedgeAt);
  }

  /** `w`'s `hedgeAt` was set (its statement was sent): the timer is brought forward if it would wake too late. */
  rescheduled(w: Watched): void {
    if (w.watching && w.hedgeAt < this.#timerAt) this.#arm(w.hedgeAt);
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
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  /** Sets the timer for `at` (at most the idle period ahead), unless it is already set for no later. */
  #arm(at: number): void {
    // A timer is never set further than the idle period ahead, so one set for no later than `at` stays.
    if (this.#timer !== undefined && at >= this.#timerAt) return;
    const now = performance.now();
    const wake = Math.min(at, now + this.#idleMs);
    if (wake >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = wake;
    // Whole milliseconds, rounded up: a timer may run a fraction early, and a statement is never hedged before
    // its time (it would only be looked at again).
    this.#timer = setTimeout(this.#look, Math.max(1, Math.ceil(wake - now)));
    this.#timer.unref();
  }

  #tick(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#size === 0) return;
    const now = performance.now();
    let due: Watched[] | undefined;
    let next = Number.POSITIVE_INFINITY;
    for (let w = this.#head; w; w = w.watchNext) {
      if (w.hedgeAt <= now) {
        due ??= [];
        due.push(w);
      } else if (w.hedgeAt < next) next = w.hedgeAt;
    }
    this.#arm(next);
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
