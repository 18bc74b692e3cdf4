import type pg from 'pg';
import type { StatementClassifier } from '../classify/statement-classifier.ts';
import { loadClassifierParser } from '../classify/statement-classifier.ts';
import { type NodeRef, routeChannel } from '../events/route-event.ts';
import type { ConnectionSource } from '../hedge/cancellable-query.ts';
import type { Hedger } from '../hedge/hedger.ts';
import type { LatencyWindow } from '../hedge/latency-window.ts';
import type { RouterLogger } from '../log/router-logger.ts';
import type { ReplicaRouter } from '../router/replica-router.ts';
import { emptyCounts, type ReasonCounts, type RouteReason } from '../router/route-reason.ts';
import { currentScope, type RequestScope } from '../scope/request-scope.ts';
import { exceptionType, isConnectionError, isFallbackError, isRecoveryConflict } from './fallback-error.ts';
import type { ReplicaChooser } from './replica-chooser.ts';
import { ReplicaReadMemo } from './replica-read-memo.ts';
import type { ReplicaMember, ReplicaSet } from './replica-set.ts';
import { type ClientState, type Decision, RouteDecider } from './route-decider.ts';
import { type ReplicaReason, RoutedRead } from './routed-read.ts';

/** A statement's text or pg query config. */
export type QueryInput = pg.QueryConfig | string;

/** Runs a statement on the primary (the pool's checkout-run-release, or a client's own connection). */
export type PrimaryRunner = (config: QueryInput, values: unknown[] | undefined) => Promise<pg.QueryResult>;

/**
 * Runs a statement where its routing decision ({@link RouteDecider}) sends it, with the one-shot fallback and the
 * hedge, and keeps the books of it (counts, causal bookkeeping, route events); shared by `pool.query` and
 * checked-out clients.
 */
export class StatementDispatcher {
  readonly replicas: ReplicaSet | undefined;
  readonly chooser: ReplicaChooser | undefined;
  readonly primaryRef: NodeRef;
  readonly counts: ReasonCounts = emptyCounts();
  fallbacks = 0;
  readonly #decider: RouteDecider;
  readonly #logger: RouterLogger | undefined;
  readonly #hedger: Hedger | undefined;
  /** Where a hedge gets its primary connection: the pool's own (never a checked-out client's). */
  readonly hedgeSource: ConnectionSource | undefined;
  #loaded: Promise<void> | undefined;
  /** Texts known to be replica reads: in an opted-in scope they skip the classifier and the router. */
  readonly #readMemo: ReplicaReadMemo;

  constructor(options: {
    replicas: ReplicaSet | undefined;
    chooser: ReplicaChooser | undefined;
    /** Settles once the replicas have been probed once: the first statement waits for the first verdicts. */
    probed: Promise<void> | undefined;
    primaryRef: NodeRef;
    classifier: StatementClassifier | undefined;
    router: ReplicaRouter;
    logger: RouterLogger | undefined;
    /** Hedged reads (undefined or disabled: a replica statement waits for its replica alone). */
    hedger?: Hedger | undefined;
    /** A primary connection of the pool's own, for a hedge (never a checked-out client's). */
    acquirePrimary?: ConnectionSource;
    /** Most texts in the replica-read memo (0: none); 1000 by default. */
    readMemoSize?: number;
  }) {
    this.replicas = options.replicas;
    this.chooser = options.chooser;
    this.primaryRef = options.primaryRef;
    this.#logger = options.logger;
    this.#hedger = options.hedger;
    this.hedgeSource = options.acquirePrimary;
    this.#readMemo = new ReplicaReadMemo(options.readMemoSize);
    this.#decider = new RouteDecider({ ...options, readMemo: this.#readMemo });
    if (options.classifier) {
      this.#loaded = Promise.all([loadClassifierParser(), options.probed]).then(() => {
        this.#loaded = undefined;
      });
      this.#loaded.catch(() => {}); // surfaced by the first classify instead
    }
  }

  /** Whether the replica alias exists (both variables set and enabled). */
  get routingEnabled(): boolean {
    return this.replicas !== undefined;
  }

  /**
   * Pending until the SQL parser is loaded and the replicas were probed once (only right after construction);
   * undefined after that.
   */
  get ready(): Promise<void> | undefined {
    return this.#loaded;
  }

  /**
   * Decides where a statement goes ({@link RouteDecider.decide}) and runs it there ({@link #run}), in the request's
   * scope, looked up once for both. `state` is the checked-out client's (undefined for pool.query). Call it after
   * `ready` settled.
   */
  dispatch(
    sql: string,
    config: QueryInput,
    values: unknown[] | undefined,
    state: ClientState | undefined,
    primary: PrimaryRunner,
  ): Promise<pg.QueryResult> {
    const scope = currentScope();
    return this.#run(sql, config, values, this.#decider.decide(sql, state, scope), primary, scope);
  }

  /** Texts in the replica-read memo now. */
  get rememberedReads(): number {
    return this.#readMemo.size;
  }

  /**
   * Run a statement where `decision` says. A replica failure of the operational kind is retried exactly
   * once on the primary; the rest of the request then stays on the primary, with one WARN line per
   * request. Primary errors propagate untouched. `scope`: the request's, the one its decision was made in.
   */
  #run(
    sql: string,
    config: QueryInput,
    values: unknown[] | undefined,
    decision: Decision | Promise<Decision>,
    primary: PrimaryRunner,
    scope: RequestScope | undefined,
  ): Promise<pg.QueryResult> {
    if (decision instanceof Promise) {
      return decision.then((d) => this.#execute(sql, config, values, d, primary, scope));
    }
    return this.#execute(sql, config, values, decision, primary, scope);
  }

  #execute(
    sql: string,
    config: QueryInput,
    values: unknown[] | undefined,
    decision: Decision,
    primary: PrimaryRunner,
    scope: RequestScope | undefined,
  ): Promise<pg.QueryResult> {
    this.counts[decision.reason]++;
    const replica = decision.replica;
    if (!replica) return this.#onPrimary(sql, config, values, decision.reason, primary);
    return this.#onReplica(sql, config, values, replica, 'routed', primary, scope);
  }

  /**
   * A statement on a replica, hedged when hedging is on. `reason` is `routed`, or `conflict_retry` for the one
   * retry of a statement another replica cancelled for a recovery conflict (its failure falls back to the
   * primary, never to a third replica).
   */
  #onReplica(
    sql: string,
    config: QueryInput,
    values: unknown[] | undefined,
    replica: ReplicaMember,
    reason: ReplicaReason,
    primary: PrimaryRunner,
    scope: RequestScope | undefined,
  ): Promise<pg.QueryResult> {
    if (this.#hedger?.enabled && this.hedgeSource) {
      return this.#executeHedged(sql, config, values, replica, reason, this.#hedger, primary, scope);
    }
    const started = routeChannel.hasSubscribers ? performance.now() : 0;
    replica.outstanding++;
    return replica.pool.query(config, values).then(
      (result) => {
        replica.outstanding--;
        replica.served++;
        this.noteServed(replica, scope);
        if (started) this.publish(replica.ref, reason, sql, started);
        return result;
      },
      (error: unknown) => {
        replica.outstanding--;
        return this.fallBack(sql, config, values, replica, reason, error, started, primary);
      },
    );
  }

  /**
   * A replica attempt failed: a recovery conflict (40001) of a first attempt runs once more on another healthy
   * replica, or on the primary when there is none; any other error of the operational kind runs the statement
   * once on the primary (a connection error also ejects the replica); any other error propagates.
   */
  fallBack(
    sql: string,
    config: QueryInput,
    values: unknown[] | undefined,
    replica: ReplicaMember,
    reason: ReplicaReason,
    error: unknown,
    started: number,
    primary: PrimaryRunner,
  ): Promise<pg.QueryResult> {
    if (!isFallbackError(error)) {
      if (started) this.publish(replica.ref, reason, sql, started, error);
      return Promise.reject(error);
    }
    if (started) this.publish(replica.ref, reason, sql, started, error, true);
    if (reason === 'routed' && isRecoveryConflict(error)) {
      return this.#retryConflict(sql, config, values, replica, primary);
    }
    this.noteReplicaFailure(replica, error);
    this.noteFallback(error);
    this.counts.fallback++;
    return this.#onPrimary(sql, config, values, 'fallback', primary);
  }

  /**
   * A replica cancelled a routed statement for a conflict with recovery (its replay needed a lock or rows the
   * statement held): not a sick replica, and not this statement's fault. It runs once more, on another healthy
   * replica (one that has replayed the request's token, not the one a `monotonic` request is pinned to), or on
   * the primary; reason `conflict_retry`, one INFO line. The request does not fall back.
   */
  #retryConflict(
    sql: string,
    config: QueryInput,
    values: unknown[] | undefined,
    replica: ReplicaMember,
    primary: PrimaryRunner,
  ): Promise<pg.QueryResult> {
    replica.conflicts++;
    this.counts.conflict_retry++;
    const scope = currentScope();
    const other = this.chooser?.alternative(scope?.causal, replica);
    const on = other?.ref.name ?? 'primary';
    const logger = scope?.log ?? this.#logger;
    const line = `db_routing_conflict_retry replica=${replica.ref.name} retry_on=${on}`;
    const fields = { db_routing: 'conflict_retry', replica: replica.ref.name, retry_on: on };
    if (logger?.info) logger.info(fields, line);
    else logger?.warn(fields, line);
    if (other) return this.#onReplica(sql, config, values, other, 'conflict_retry', primary, scope);
    return this.#onPrimary(sql, config, values, 'conflict_retry', primary);
  }

  /** A replica failed a statement of the operational kind: counted, and ejected on a connection error. */
  noteReplicaFailure(replica: ReplicaMember, error: unknown): void {
    replica.failures++;
    this.fallbacks++;
    if (isConnectionError(error)) this.replicas!.eject(replica, error);
  }

  /**
   * A replica statement with a hedge: if the replica has not answered within its hedge delay, the statement
   * also runs on a primary connection of the pool's own; the first answer wins and the loser is cancelled in
   * the background (its connection back in its pool, clean, or destroyed). A race the primary won past the
   * budget ejects the replica (`hedge_budget`): its later reads go to the primary once, not twice. An ejection
   * of the replica, whatever its cause, hedges its statements in flight at once. A replica failure before the
   * hedge falls back exactly as without hedging. The delay is watched by the replica's watchdog (see
   * {@link RoutedRead}, which also handles the read's outcomes).
   */
  #executeHedged(
    sql: string,
    config: QueryInput,
    values: unknown[] | undefined,
    replica: ReplicaMember,
    reason: ReplicaReason,
    hedger: Hedger,
    primary: PrimaryRunner,
    scope: RequestScope | undefined,
  ): Promise<pg.QueryResult> {
    const started = performance.now();
    const publishing = routeChannel.hasSubscribers;
    replica.hedging ??= hedger.replica(replica.ref.name);
    replica.outstanding++;
    // A new connection: the hedge may start before the statement is sent (see HedgedRead.begin), the cap at least
    // after the start. Else the delay is the read's business once the statement was sent (RoutedRead.delayOnSend).
    const connectDelayMs = opensConnection(replica.pool)
      ? Math.max(hedger.delayFor(replica.hedging, this.#readMemo.shapeOf(sql, hedger)), hedger.policy.capMs)
      : undefined;
    return new Promise((resolve, reject) => {
      new RoutedRead(
        this,
        hedger,
        sql,
        config,
        values,
        replica,
        reason,
        primary,
        scope,
        publishing,
        resolve,
        reject,
        started,
      ).send(connectDelayMs);
    });
  }

  /**
   * The latency window of shape `sql` in the hedger's cache, if it has one (the memo keeps it with a remembered read's
   * text). Only while hedging is on.
   */
  shapeOf(sql: string): LatencyWindow | undefined {
    return this.#readMemo.shapeOf(sql, this.#hedger!);
  }

  /** Causal bookkeeping of a read a replica served: who served it, and for `monotonic` the request's replica. */
  noteServed(replica: ReplicaMember, scope: RequestScope | undefined = currentScope()): void {
    const causal = scope?.causal;
    if (!causal) return;
    causal.servedBy.add(replica.ref.name);
    if (causal.level === 'monotonic') causal.pinned ??= replica.ref.name;
  }

  /**
   * Causal bookkeeping of a statement the primary ran, for `monotonic`: the request then saw the primary's
   * newest state of what it read, and its token must cover that. A statement that names only tables that never
   * read from a replica (`auth`) does not count: every later read of them is on the primary too. One that names
   * no table counts: it may observe the whole database through a function (an answer memo's
   * `pg_current_snapshot()` check stands for every table of the answer it validates). `sql` undefined (a whole
   * read-only transaction) counts.
   */
  noteOnPrimary(sql: string | undefined, scope: RequestScope | undefined = currentScope()): void {
    const causal = scope?.causal;
    if (!causal || scope.ended || causal.level !== 'monotonic' || causal.touchedPrimary) return;
    if (this.#decider.observesPrimary(sql)) causal.touchedPrimary = true;
  }

  #onPrimary(
    sql: string,
    config: QueryInput,
    values: unknown[] | undefined,
    reason: RouteReason,
    primary: PrimaryRunner,
  ): Promise<pg.QueryResult> {
    this.noteOnPrimary(sql);
    if (!routeChannel.hasSubscribers) return primary(config, values);
    const started = performance.now();
    return primary(config, values).then(
      (result) => {
        this.publish(this.primaryRef, reason, sql, started);
        return result;
      },
      (error: unknown) => {
        this.publish(this.primaryRef, reason, sql, started, error);
        throw error;
      },
    );
  }

  /** Mark the request as fallen back, with the one WARN line per request. */
  noteFallback(error: unknown): void {
    const scope = currentScope();
    if (!scope || scope.fellBack) return;
    scope.fellBack = true;
    const type = exceptionType(error);
    (scope.log ?? this.#logger)?.warn(
      { db_routing: 'fallback', path: scope.path, method: scope.method, exception_type: type },
      `db_routing_fallback path=${scope.path} method=${scope.method} exception_type=${type}`,
    );
  }

  /** Publish a statement's routing on the diagnostics channel (no-op without subscribers). */
  publish(
    node: NodeRef,
    reason: RouteReason,
    sql: string,
    started: number,
    error?: unknown,
    retried?: boolean,
  ): void {
    if (!routeChannel.hasSubscribers) return;
    routeChannel.publish({
      node,
      reason,
      sql,
      durationMs: performance.now() - started,
      ...(error === undefined ? {} : { error }),
      ...(retried ? { retried } : {}),
    });
  }
}

/** Whether `pool.connect()` now opens a new connection: no idle one, and room for one more. */
function opensConnection(pool: pg.Pool): boolean {
  return pool.idleCount === 0 && pool.totalCount < (pool.options.max ?? 10);
}
