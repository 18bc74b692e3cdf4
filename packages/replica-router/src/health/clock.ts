/** An opaque timer handle. */
export type TimerHandle = unknown;

/**
 * Time, timers and randomness as the probes see them. Injected, so unit tests drive a fake clock instead
 * of patching globals; {@link systemClock} is the real one.
 */
export interface Clock {
  /** Milliseconds: since the epoch ({@link systemClock}), or since the process started ({@link monotonicClock}). */
  now(): number;
  /** Calls `fn` after `ms`. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Lets the process exit while only this timer is pending (background work: the probe schedule). */
  unref?(handle: TimerHandle): void;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

/** Wall-clock time, Node timers, `Math.random`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  unref(handle) {
    (handle as ReturnType<typeof setTimeout>).unref();
  },
  random: () => Math.random(),
};

/**
 * {@link systemClock} with `now()` from `performance.now()`: never steps with the wall clock, and the time base a
 * hedged read stamps its start in (the pool's hedger runs on it, so a read's start also dates its statement in the
 * hedge budget without a second clock reading).
 */
export const monotonicClock: Clock = { ...systemClock, now: () => performance.now() };
