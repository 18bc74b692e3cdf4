import type pg from 'pg';
import type { AbandonOutcome, ConnectionSource } from '../hedge/cancellable-query.ts';
import { HedgedRead } from '../hedge/hedged-read.ts';
import type { Hedger } from '../hedge/hedger.ts';
import type { RequestScope } from '../scope/request-scope.ts';
import type { ReplicaMember } from './replica-set.ts';
import type { PrimaryRunner, QueryInput, StatementDispatcher } from './statement-dispatcher.ts';

/** The reason of a statement run on a replica: a first attempt, or the retry after a recovery conflict. */
export type ReplicaReason = 'routed' | 'conflict_retry';

/**
 * A routed read with hedging on: the statement, where it came from and where its answer goes, with the race of
 * {@link HedgedRead}. Its outcomes go to the dispatcher's bookkeeping (the dispatcher's `hedged*` methods).
 * `scope` is the request's, kept because the replica's answer arrives in the connection's async context, not the
 * request's.
 */
export class RoutedRead extends HedgedRead {
  readonly dispatcher: StatementDispatcher;
  readonly sql: string;
  readonly replica: ReplicaMember;
  readonly reason: ReplicaReason;
  readonly hedger: Hedger;
  readonly primaryRunner: PrimaryRunner;
  readonly scope: RequestScope | undefined;
  /** Whether route events are published (a subscriber was there at the start). */
  readonly publishing: boolean;
  readonly resolve: (result: pg.QueryResult) => void;
  readonly reject: (error: unknown) => void;

  constructor(
    dispatcher: StatementDispatcher,
    sql: string,
    config: QueryInput,
    values: unknown[] | undefined,
    replica: ReplicaMember,
    reason: ReplicaReason,
    hedger: Hedger,
    primaryRunner: PrimaryRunner,
    scope: RequestScope | undefined,
    publishing: boolean,
    resolve: (result: pg.QueryResult) => void,
    reject: (error: unknown) => void,
    delayMs: number,
    cancelTimeoutMs: number,
    primarySource: ConnectionSource,
  ) {
    super(config, values, delayMs, cancelTimeoutMs, replica.watchdog, primarySource);
    this.dispatcher = dispatcher;
    this.sql = sql;
    this.replica = replica;
    this.reason = reason;
    this.hedger = hedger;
    this.primaryRunner = primaryRunner;
    this.scope = scope;
    this.publishing = publishing;
    this.resolve = resolve;
    this.reject = reject;
  }

  /** Sends it to its replica (see {@link HedgedRead.begin}). */
  send(connectDelayMs: number | undefined): void {
    this.begin(this.replica.pool, connectDelayMs);
  }

  protected onHedge(now: boolean): boolean {
    return this.dispatcher.hedgedOnHedge(this, now);
  }

  protected onReplicaErrorWhileHedged(error: unknown): void {
    this.dispatcher.hedgedReplicaErrorWhileHedged(this, error);
  }

  protected replicaWon(
    result: pg.QueryResult,
    replicaMs: number,
    hedged: boolean,
    loser: Promise<AbandonOutcome> | undefined,
  ): void {
    this.dispatcher.hedgedReplicaWon(this, result, replicaMs, hedged, loser);
  }

  protected primaryWon(
    result: pg.QueryResult,
    primaryMs: number,
    loser: Promise<AbandonOutcome> | undefined,
  ): void {
    this.dispatcher.hedgedPrimaryWon(this, result, primaryMs, loser);
  }

  protected replicaFailed(error: unknown): void {
    this.dispatcher.hedgedReplicaFailed(this, error);
  }

  protected bothFailed(error: unknown): void {
    this.dispatcher.hedgedBothFailed(this, error);
  }
}
