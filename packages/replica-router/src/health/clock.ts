/** An opaque timer handle. */
export type TimerHandle = unknown;

/**
 * Time, timers and randomness as the probes see them. Injected, so unit tests drive a fake clock instead
 * of patching globals; {@link systemClock} is the real one.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms`. The real clock's timers never keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

/** Wall-clock time, unref'd Node timers, `Math.random`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  random: () => Math.random(),
};
