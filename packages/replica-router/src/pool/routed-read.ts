import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import type { AbandonOutcome, ConnectionSource } from '../hedge/cancellable-query.ts';
import type { HedgeWatchdog } from '../hedge/hedge-watchdog.ts';
import { HedgedRead } from '../hedge/hedged-read.ts';
import type { LatencyWindow } from '../hedge/latency-window.ts';
import type { RequestScope } from '../scope/request-scope.ts';
import type { ReplicaMember } from './replica-set.ts';
import type { PrimaryRunner, QueryInput, StatementDispatcher } from './statement-dispatcher.ts';

/** The reason of a statement run on a replica: a first attempt, or the retry after a recovery conflict. */
export type ReplicaReason = 'routed' | 'conflict_retry';

/** Runs a function in the async context of the read's start (`AsyncLocalStorage.snapshot()`). */
type InContext = <R>(fn: () => R) => R;

/**
 * A routed read with hedging on: the statement, where it came from and where its answer goes, with the race of
 * {@link HedgedRead}. Its outcomes go to the dispatcher's bookkeeping (the dispatcher's `hedged*` methods).
 * The replica's answer arrives in the connection's async context, not the request's: `scope` (the request's) is
 * kept for the bookkeeping, and while route events have subscribers (they may read their own async context),
 * every outcome is handled in the whole async context of the start (`context`, a snapshot taken only then).
 */
export class RoutedRead extends HedgedRead {
  readonly dispatcher: StatementDispatcher;
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
    this.sql = sql;
    this.replica = replica;
    this.reason = reason;
    this.primaryRunner = primaryRunner;
    this.scope = scope;
    this.context = publishing ? AsyncLocalStorage.snapshot() : undefined;
    this.resolve = resolve;
    this.reject = reject;
  }

  /** Whether route events are published (a subscriber was there at the start). */
  get publishing(): boolean {
    return this.context !== undefined;
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

  protected delayOnSend(now: number): number {
    return this.dispatcher.hedgedSent(this, now);
  }

  protected onHedge(now: boolean): boolean {
    return this.dispatcher.hedgedOnHedge(this, now);
  }

  protected onReplicaErrorWhileHedged(error: unknown): void {
    if (this.context) this.context(() => this.dispatcher.hedgedReplicaErrorWhileHedged(this, error));
    else this.dispatcher.hedgedReplicaErrorWhileHedged(this, error);
  }

  protected replicaWon(
    result: pg.QueryResult,
    replicaMs: number,
    hedged: boolean,
    loser: Promise<AbandonOutcome> | undefined,
  ): void {
    if (this.context)
      this.context(() => this.dispatcher.hedgedReplicaWon(this, result, replicaMs, hedged, loser));
    else this.dispatcher.hedgedReplicaWon(this, result, replicaMs, hedged, loser);
  }

  protected primaryWon(
    result: pg.QueryResult,
    primaryMs: number,
    loser: Promise<AbandonOutcome> | undefined,
  ): void {
    if (this.context) this.context(() => this.dispatcher.hedgedPrimaryWon(this, result, primaryMs, loser));
    else this.dispatcher.hedgedPrimaryWon(this, result, primaryMs, loser);
  }

  protected replicaFailed(error: unknown): void {
    if (this.context) this.context(() => this.dispatcher.hedgedReplicaFailed(this, error));
    else this.dispatcher.hedgedReplicaFailed(this, error);
  }

  protected bothFailed(error: unknown): void {
    if (this.context) this.context(() => this.dispatcher.hedgedBothFailed(this, error));
    else this.dispatcher.hedgedBothFailed(this, error);
  }
}
