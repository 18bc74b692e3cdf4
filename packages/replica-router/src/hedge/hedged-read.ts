import type pg from 'pg';
import {
  type AbandonOutcome,
  CancellableQuery,
  type ConnectionSource,
  type StatementInput,
} from './cancellable-query.ts';
import { hedgeCancelTimeoutMs } from './hedge-policy.ts';
import type { HedgeWatchdog, Watched } from './hedge-watchdog.ts';

/** The primary's copy of a hedged read: started only when the hedge fires. */
class PrimaryAttempt extends CancellableQuery {
  readonly #read: HedgedRead;
  /** `performance.now()` when the hedge fired. */
  readonly started = performance.now();
  /** Its failure (kept until the replica's outcome is known: both failing is told with this error). */
  failed = false;
  error: unknown;

  constructor(
    read: HedgedRead,
    source: ConnectionSource,
    config: StatementInput,
    values: unknown[] | undefined,
  ) {
    super();
    this.#read = read;
    this.run(source, config, values);
  }

  protected sent(): void {}

  protected answered(error: unknown, result: pg.QueryResult | undefined): void {
    if (result === undefined) {
      this.failed = true;
      this.error = error;
    }
    this.#read.primaryAnswered(error, result);
  }
}

/**
 * A statement on a replica that also runs on the primary if the replica has not answered within its delay
 * ({@link delayOnSend}) of its sending (its replica's {@link HedgeWatchdog} starts it), or at once when the replica
 * is ejected under it. The first success wins; the other attempt is abandoned (cancelled, its connection left
 * clean) in the background. The replica failing before the primary started is told as {@link replicaFailed} (the
 * caller falls back as without hedging); after, one attempt failing leaves the race to the other, and both failing
 * is told with the primary's error.
 *
 * On the common path (the replica answers within its delay) a read is this one object, linked into its replica's
 * watchdog list: no timer, promise or race state of its own; the primary's attempt exists only once a hedge fires.
 * Subclasses get the outcome through the abstract methods, called exactly once (`onHedge` and
 * `onReplicaErrorWhileHedged` before it, when they apply).
 */
export abstract class HedgedRead extends CancellableQuery implements Watched {
  hedgeAt = Number.POSITIVE_INFINITY;
  watchPrev: Watched | undefined;
  watchNext: Watched | undefined;
  watching = false;
  /** `performance.now()` at the start (before a connection was acquired). */
  readonly started: number;
  readonly config: StatementInput;
  readonly values: unknown[] | undefined;
  #primary: PrimaryAttempt | undefined;
  #decided = false;
  /** Set while `onHedge` runs: should it eject the replica, this read is not hedged twice. */
  #hedging = false;
  #replicaFailed = false;

  /** `started`: `performance.now()` at the start, read by the caller (who dates other things with it too). */
  constructor(config: StatementInput, values: unknown[] | undefined, started: number) {
    super();
    this.started = started;
    this.config = config;
    this.values = values;
  }

  /** A replica's connections (its pool is the router's own) keep their 'error' listener. */
  protected override get listensForGood(): boolean {
    return true;
  }

  /** The watchdog of the read's replica (the same one for the read's whole life). */
  protected abstract get watchdog(): HedgeWatchdog;
  /** Where a hedge gets its primary connection. */
  protected abstract get primarySource(): ConnectionSource;

  /**
   * Sends the statement to the replica (call once, after construction). `connectDelayMs`: when the replica's
   * connection is a new one, the hedge may also start this long after the start, before the statement is sent (a
   * host that accepts TCP but never answers would otherwise hold the read for the whole connect timeout).
   * Undefined: the delay counts from the send alone (waiting for a connection of a full pool is not hedged: a
   * saturated replica should not turn into primary load; the pool's own timeout falls back).
   */
  protected begin(replica: ConnectionSource, connectDelayMs: number | undefined): void {
    if (connectDelayMs !== undefined) this.hedgeAt = this.started + connectDelayMs;
    // Watched from the start: an ejection hedges a read still waiting for its connection too.
    this.watchdog.watch(this);
    this.run(replica, this.config, this.values);
  }

  /**
   * The hedge delay of the statement, asked once it was sent (`now`: the clock then): whatever the caller notes of a
   * sent statement belongs here, after the statement left and while the server works on it, rather than on its
   * way there.
   */
  protected abstract delayOnSend(now: number): number;
  /** The delay was passed (`now` false) or the caller asked for the hedge at once; `false` keeps waiting. */
  protected abstract onHedge(now: boolean): boolean;
  /** The replica failed after the primary was started (the race is then the primary's). */
  protected abstract onReplicaErrorWhileHedged(error: unknown): void;
  /** The replica answered first; `loser` settles once the primary's attempt (if it runs) is cleaned up. */
  protected abstract replicaWon(
    result: pg.QueryResult,
    replicaMs: number,
    hedged: boolean,
    loser: Promise<AbandonOutcome> | undefined,
  ): void;
  /** The primary answered first; `loser` settles once the replica's statement is cleaned up (undefined if it failed). */
  protected abstract primaryWon(
    result: pg.QueryResult,
    primaryMs: number,
    loser: Promise<AbandonOutcome> | undefined,
  ): void;
  /** The replica failed before any hedge. */
  protected abstract replicaFailed(error: unknown): void;
  /** Both failed: the primary's error. */
  protected abstract bothFailed(error: unknown): void;

  protected sent(): void {
    if (this.#decided || this.#primary) return;
    const now = performance.now();
    this.hedgeAt = now + this.delayOnSend(now);
    this.watchdog.rescheduled(this);
  }

  /** From the watchdog: the delay passed (`now` false), or the replica is out (`now` true). */
  hedge(now: boolean): void {
    if (this.#decided || this.#primary || this.#hedging) return;
    this.#hedging = true;
    const go = this.onHedge(now);
    this.#hedging = false;
    if (go) {
      this.#primary = new PrimaryAttempt(this, this.primarySource, this.config, this.values);
    } else {
      // Declined: only an ejection may ask again.
      this.hedgeAt = Number.POSITIVE_INFINITY;
      this.watchdog.watch(this);
    }
  }

  /** The replica's outcome. */
  protected answered(error: unknown, result: pg.QueryResult | undefined): void {
    if (this.#decided) return;
    if (result !== undefined) {
      this.#decide();
      const primary = this.#primary;
      const loser = primary && !primary.failed ? primary.abandon(hedgeCancelTimeoutMs) : undefined;
      this.replicaWon(result, performance.now() - this.started, primary !== undefined, loser);
      return;
    }
    this.#replicaFailed = true;
    if (!this.#primary) {
      this.#decide();
      this.replicaFailed(error);
      return;
    }
    this.onReplicaErrorWhileHedged(error);
    if (this.#primary.failed) {
      this.#decide();
      this.bothFailed(this.#primary.error);
    }
  }

  /** The primary attempt's outcome (its own business: called by it alone, once it noted a failure). */
  primaryAnswered(error: unknown, result: pg.QueryResult | undefined): void {
    if (this.#decided) return;
    if (result !== undefined) {
      this.#decide();
      const loser = this.#replicaFailed ? undefined : this.abandon(hedgeCancelTimeoutMs);
      this.primaryWon(result, performance.now() - this.#primary!.started, loser);
      return;
    }
    if (this.#replicaFailed) {
      this.#decide();
      this.bothFailed(error);
    }
  }

  #decide(): void {
    this.#decided = true;
    this.watchdog.unwatch(this);
  }
}
