/**
 * Something a probe asks: a replica (for its replay state) or the primary (for its WAL position). The health
 * monitor owns the timeout; a target only runs its statement and can drop its connection. Unit tests give
 * the monitor fake targets.
 */
export interface ProbeTarget<S> {
  /** Runs the probe statement; rejects on any failure. */
  probe(): Promise<S>;
  /** Drops the connection (after a timeout: it may be frozen); the next probe connects again. */
  reset(): void;
  /** Closes the connection for good. */
  close(): Promise<void>;
}
