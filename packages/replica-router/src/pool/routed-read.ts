import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import type { AbandonOutcome, ConnectionSource } from '../hedge/cancellable-query.ts';
import type { HedgeWatchdog } from '../hedge/hedge-watchdog.ts';
import { HedgedRead } from '../hedge/hedged-read.ts';
import type { Hedger } from '../hedge/hedger.ts';
import type { LatencyWindow } from '../hedge/latency-window.ts';
import { type RequestScope, withScope } from '../scope/request-scope.ts';
import { isFallbackError, isRecoveryConflict } from './fallback-error.ts';
import type { ReplicaMember } from './replica-set.ts';
import type { PrimaryRunner, QueryInput, StatementDispatcher } from './statement-dispatcher.ts';

/** The reason of a statement run on a replica: a first attempt, or the retry after a recovery conflict. */
export type ReplicaReason = 'routed' | 'conflict_retry';

/** Runs a function in the async context of the read's start (`AsyncLocalStorage.snapshot()`). */
type InContext = <R>(fn: () => R) => R;

/**
 * A routed read with hedging on: the statement, where it came from and where its answer goes, with the race of
 * {@link HedgedRead}, and what each outcome means for the routing: the hedger's latencies, budget and counters, the
 * replica's counters, the request's causal bookkeeping, the route events, and the fallback of a replica that failed
 * before any hedge. The replica's answer arrives in the connection's async context, not the request's: `scope` (the
 * request's) is kept for the bookkeeping, and while route events have subscribers (they may read their own async
 * context), every outcome is handled in the whole async context of the start (`context`, a snapshot taken only then).
 */
export class RoutedRead extends HedgedRead {
  readonly dispatcher: StatementDispatcher;
  readonly hedger: Hedger;
  readonly sql: string;
  readonly replica: ReplicaMember;
  readonly reason: ReplicaReason;
  readonly primaryRunner: PrimaryRunner;
  readonly scope: RequestScope | undefined;
  /** The async context of the start, while route events have subscribers (then they are published). */
  readonly context: InContext | undefined;
  /** Its shape's latency window, if it had one when the statement was sent (set then). */
  shape: LatencyWindow | undefined;
  readonly resolve: (result: pg.QueryResult) => void;
  readonly reject: (error: unknown) => void;

  constructor(
    dispatcher: StatementDispatcher,
    hedger: Hedger,
    sql: string,
    config: QueryInput,
    values: unknown[] | undefined,
    replica: ReplicaMember,
    reason: ReplicaReason,
    primaryRunner: PrimaryRunner,
    scope: RequestScope | undefined,
    publishing: boolean,
    resolve: (result: pg.QueryResult) => void,
    reject: (error: unknown) => void,
    started: number,
  ) {
    super(config, values, started);
    this.dispatcher = dispatcher;
    this.hedger = hedger;
    this.sql = sql;
    this.replica = replica;
    this.reason = reason;
    this.primaryRunner = primaryRunner;
    this.scope = scope;
    this.context = publishing ? AsyncLocalStorage.snapshot() : undefined;
    this.resolve = resolve;
    this.reject = reject;
  }

  /** Only a pool of the router's own: one the application gave is its to check out too. */
  protected override get listensForGood(): boolean {
    return this.replica.ownsPool;
  }

  protected get watchdog(): HedgeWatchdog {
    return this.replica.watchdog;
  }

  protected get primarySource(): ConnectionSource {
    return this.dispatcher.hedgeSource!;
  }

  /** Sends it to its replica (see {@link HedgedRead.begin}). */
  send(connectDelayMs: number | undefined): void {
    this.begin(this.replica.pool, connectDelayMs);
  }

  /**
   * Sent at `now` (on the hedger's clock): it counts in the replica's budget window, and its delay is its shape's or
   * the replica's, from their latencies so far. Done here rather than before the send: the statement is on its way,
   * and the server works on it meanwhile.
   */
  protected delayOnSend(now: number): number {
    const hedging = this.replica.hedging!;
    this.hedger.noteStatement(hedging, now);
    this.shape = this.dispatcher.shapeOf(this.sql);
    return this.hedger.delayFor(hedging, this.shape);
  }

  /** The delay passed (`now` false) or the replica was ejected (`now` true): the hedge goes ahead. */
  protected onHedge(now: boolean): boolean {
    this.hedger.noteHedge(this.replica.hedging!, now);
    this.dispatcher.counts.hedged++;
    return true;
  }

  protected onReplicaErrorWhileHedged(error: unknown): void {
    if (this.context) this.context(() => this.#replicaErrorWhileHedged(error));
    else this.#replicaErrorWhileHedged(error);
  }

  protected replicaWon(
    result: pg.QueryResult,
    replicaMs: number,
    hedged: boolean,
    loser: Promise<AbandonOutcome> | undefined,
  ): void {
    if (this.context) this.context(() => this.#replicaWon(result, replicaMs, hedged, loser));
    else this.#replicaWon(result, replicaMs, hedged, loser);
  }

  protected primaryWon(
    result: pg.QueryResult,
    primaryMs: number,
    loser: Promise<AbandonOutcome> | undefined,
  ): void {
    if (this.context) this.context(() => this.#primaryWon(result, primaryMs, loser));
    else this.#primaryWon(result, primaryMs, loser);
  }

  protected replicaFailed(error: unknown): void {
    if (this.context) this.context(() => this.#replicaFailed(error));
    else this.#replicaFailed(error);
  }

  protected bothFailed(error: unknown): void {
    if (this.context) this.context(() => this.#bothFailed(error));
    else this.#bothFailed(error);
  }

  /** The replica failed while the primary runs it too. */
  #replicaErrorWhileHedged(error: unknown): void {
    const replica = this.replica;
    // The primary already runs it: a recovery conflict is then retried there, not a failure of the replica.
    if (isRecoveryConflict(error)) replica.conflicts++;
    else if (isFallbackError(error)) this.dispatcher.noteReplicaFailure(replica, error);
    if (this.context) this.dispatcher.publish(replica.ref, this.reason, this.sql, this.started, error, true);
  }

  /** The replica answered first (the common path: within its delay, `hedged` false). */
  #replicaWon(
    result: pg.QueryResult,
    replicaMs: number,
    hedged: boolean,
    loser: Promise<AbandonOutcome> | undefined,
  ): void {
    const { replica, hedger } = this;
    const hedging = replica.hedging!;
    replica.outstanding--;
    if (hedged) {
      if (loser) void loser.then((left) => hedger.noteLoser(hedging, left));
      hedger.noteWinner(hedging, 'replica');
    }
    hedger.recordLatency(hedging, replicaMs, this.sql, this.shape);
    replica.served++;
    this.dispatcher.noteServed(replica, this.scope);
    if (this.context) this.dispatcher.publish(replica.ref, this.reason, this.sql, this.started);
    this.resolve(result);
  }

  /** The primary answered first. */
  #primaryWon(result: pg.QueryResult, primaryMs: number, loser: Promise<AbandonOutcome> | undefined): void {
    const { replica, hedger, sql, dispatcher } = this;
    const hedging = replica.hedging!;
    // The replica stays busy until its losing statement has stopped.
    if (loser) {
      void loser.then((left) => {
        replica.outstanding--;
        hedger.noteLoser(hedging, left);
      });
    } else replica.outstanding--;
    hedger.noteWinner(hedging, 'primary');
    // Lost a race it had the delay's head start in (not one started by its ejection): the budget's business.
    if (replica.health.routable && !hedger.spend(hedging)) replica.health.recordHedgeBudget();
    // Into the window the read was timed by (the memo's may have left the hedger's cache since).
    if (this.shape) this.shape.record(primaryMs);
    else hedger.recordShape(sql, primaryMs);
    dispatcher.noteOnPrimary(sql, this.scope);
    if (this.context) dispatcher.publish(dispatcher.primaryRef, 'hedged', sql, performance.now() - primaryMs);
    this.resolve(result);
  }

  /** The replica failed before any hedge: the fallback without hedging, in the request's scope. */
  #replicaFailed(error: unknown): void {
    const { replica, sql, config, values, reason, primaryRunner } = this;
    replica.outstanding--;
    const started = this.context ? this.started : 0;
    withScope(this.scope, () =>
      this.dispatcher.fallBack(sql, config, values, replica, reason, error, started, primaryRunner),
    ).then(this.resolve, this.reject);
  }

  /** Both copies failed: the primary's error. */
  #bothFailed(error: unknown): void {
    this.replica.outstanding--;
    if (this.context) {
      this.dispatcher.publish(this.dispatcher.primaryRef, 'hedged', this.sql, this.started, error);
    }
    this.reject(error);
  }
}
