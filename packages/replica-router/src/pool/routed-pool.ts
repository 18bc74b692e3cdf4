import { inspect } from 'node:util';
import pg from 'pg';
import { createCausalRequest } from '../causal/causal-request.ts';
import { type ConsistencyLevel, consistencyLevels, isConsistencyLevel } from '../causal/consistency-level.ts';
import { createStatementClassifier } from '../classify/statement-classifier.ts';
import { RouterConfigError } from '../errors.ts';
import { monotonicClock, systemClock } from '../health/clock.ts';
import type { ReplicaStateEvent } from '../health/replica-state-event.ts';
import { Hedger } from '../hedge/hedger.ts';
import { createReplicaRouter, type ReplicaRouter } from '../router/replica-router.ts';
import { runInScope, type ScopeInfo } from '../scope/request-scope.ts';
import { CausalTokens } from './causal-tokens.ts';
import { listenWhileCheckedOut } from './checked-out-errors.ts';
import { endpointOf, toPoolConfig } from './connection-config.ts';
import { normalizeQueryArgs, settle } from './query-args.ts';
import {
  type ReadOnlyClient,
  type ReadOnlyTransactionOptions,
  readOnlyTransaction,
} from './read-only-transaction.ts';
import { ReplicaChooser } from './replica-chooser.ts';
import { READ_MEMO_SIZE } from './replica-read-memo.ts';
import { ReplicaSet } from './replica-set.ts';
import { planReplicas } from './replica-specs.ts';
import { RoutedClient } from './routed-client.ts';
import type { RoutedPoolOptions, RoutedPoolStats } from './routed-pool-options.ts';
import { healthPolicy, hedgePolicy, tokenCodec } from './routed-pool-policies.ts';
import { routedPoolStats } from './routed-pool-stats.ts';
import { type PrimaryRunner, type QueryInput, StatementDispatcher } from './statement-dispatcher.ts';

export type { RoutedPoolOptions, RoutedPoolStats } from './routed-pool-options.ts';

/**
 * A drop-in `pg.Pool` (it is one: `instanceof pg.Pool` holds, so Drizzle and Kysely treat it as a pool)
 * that sends each provably read-only statement of an opted-in request to a healthy streaming replica and
 * everything else to the primary. Background probes keep each replica's state (healthy, lagging, ejected,
 * not a replica); causal tokens give a client its own writes (and, at `monotonic`, never an older state)
 * across requests. Counters and events are the primary pool's.
 *
 * @example
 * const pool = new RoutedPool({ primary: process.env.DATABASE_URL!, replicas: [replicaUrl], tableApps });
 * await runInReplicaScope(() => pool.query('SELECT * FROM performance_framework')); // replica
 * await pool.query('INSERT INTO performance_tag (name) VALUES ($1)', ['x']);        // primary
 */
export class RoutedPool extends pg.Pool {
  readonly router: ReplicaRouter;
  readonly #dispatcher: StatementDispatcher;
  readonly #replicas: ReplicaSet | undefined;
  readonly #tokens: CausalTokens | undefined;
  readonly #consistency: ConsistencyLevel;
  readonly #hedger: Hedger | undefined;
  readonly #stateListeners = new Set<(event: ReplicaStateEvent) => void>();

  constructor(options: RoutedPoolOptions) {
    const max = options.max ?? 10;
    const primaryConfig = toPoolConfig(options.primary, { max });
    super(primaryConfig);
    const consistency = options.consistency ?? 'read_your_writes';
    if (!isConsistencyLevel(consistency)) {
      throw new RouterConfigError('consistency', `must be one of ${consistencyLevels.join(', ')}`);
    }
    this.#consistency = consistency;
    const primaryEndpoint = endpointOf(this.options);
    this.router = createReplicaRouter({
      tableApps: options.tableApps ?? {},
      ...(options.allowList ? { allowList: options.allowList } : {}),
    });
    const plan = planReplicas(options, primaryConfig, {
      max,
      connectionTimeoutMillis: options.replicaConnectTimeoutMs ?? 2000,
      query_timeout: options.replicaQueryTimeoutMs ?? 30_000,
    });
    let chooser: ReplicaChooser | undefined;
    const hedging = hedgePolicy(options);
    if (plan) {
      this.#hedger = new Hedger(hedging, monotonicClock);
      const replicas = new ReplicaSet(plan.specs, {
        primary: primaryConfig,
        policy: healthPolicy(options),
        clock: systemClock,
        logger: options.logger,
        selector: plan.selector,
        discovery: plan.discovery,
        onStateChange: (event) => {
          for (const listener of this.#stateListeners) {
            // A listener's bug must not stop the replica's state machine half-way through a change.
            try {
              listener(event);
            } catch {}
          }
        },
      });
      this.#replicas = replicas;
      chooser = new ReplicaChooser(replicas, {
        askReplica: options.askReplicaWhenBehind ?? true,
        catchUpWaitMs: options.catchUpWaitMs ?? 0,
        // With hedging on, a token holder waits for the replicas' answers no longer than a hedge would (the
        // primary is always right); the question itself runs on to the probe timeout, which ejects.
        answerWaitMs: this.#hedger.enabled
          ? Math.min(hedging.capMs, replicas.probeTimeoutMs)
          : replicas.probeTimeoutMs,
        clock: systemClock,
      });
      this.#tokens = new CausalTokens({
        level: consistency,
        codec: tokenCodec(options),
        primary: this.#primaryRunner,
        replicas,
      });
    }
    const classifierCacheSize = options.classifierCacheSize ?? 5000;
    this.#dispatcher = new StatementDispatcher({
      replicas: this.#replicas,
      chooser,
      probed: this.#replicas?.start(),
      primaryRef: {
        alias: 'default',
        name: 'primary',
        host: primaryEndpoint.host,
        port: primaryEndpoint.port,
      },
      classifier: this.#replicas
        ? createStatementClassifier({
            cacheSize: classifierCacheSize,
            ...(options.readOnlyFunctions ? { readOnlyFunctions: options.readOnlyFunctions } : {}),
          })
        : undefined,
      router: this.router,
      logger: options.logger,
      hedger: this.#hedger,
      acquirePrimary: { connect: (callback) => super.connect(callback) },
      readMemoSize: Math.min(classifierCacheSize, READ_MEMO_SIZE),
    });
  }

  /**
   * Probes every replica now, outside the schedule, and resolves once each probe has answered, failed or timed
   * out: after maintenance, to see a replica readmitted (it still needs `readmitProbes` good probes in a row)
   * without waiting for the next interval. A no-op when routing is off.
   */
  async probeReplicas(): Promise<void> {
    await this.#replicas?.probeNow();
  }

  /**
   * Resolves the discovery name now, outside its schedule, and applies the answer (new addresses get pools,
   * gone ones drain). A no-op when the replicas are listed or routing is off.
   */
  async discoverReplicas(): Promise<void> {
    await this.#replicas?.discoverNow();
  }

  /** The default consistency level of requests (routes may override it). */
  get consistency(): ConsistencyLevel {
    return this.#consistency;
  }

  /**
   * Causal-token handling for HTTP adapters (the Fastify plugin uses it): open a request's causal state from
   * the token it presented, and after it, the token its response carries. Undefined when routing is off.
   */
  get causalTokens(): CausalTokens | undefined {
    return this.#tokens;
  }

  /**
   * A causal token for everything committed so far, for background jobs: capture it after a job's writes and
   * hand it to whatever reads them next ({@link runWithCausalToken}). Undefined when routing is off (then
   * every read is on the primary anyway).
   *
   * @example
   * await pool.query('UPDATE performance_alert SET status = 4 WHERE id = $1', [id]);
   * const token = await pool.captureCausalToken();
   * await queue.publish({ alertId: id, token });
   */
  async captureCausalToken(): Promise<string | undefined> {
    if (this.#dispatcher.ready) await this.#dispatcher.ready;
    return this.#tokens?.capture();
  }

  /**
   * Runs `fn` as an opted-in read scope under a causal token: its reads go to a replica only if it has
   * replayed the token (else to the primary, `causal_behind`). An invalid or expired token is ignored (and
   * counted), as for a request. The level is the pool's, or `read_your_writes` when the pool's is `eventual`
   * (asking for a token is asking for it to hold); `options.consistency` overrides it.
   *
   * @example
   * const { alertId, token } = await queue.next();
   * const alert = await pool.runWithCausalToken(token, () =>
   *   pool.query('SELECT * FROM performance_alert WHERE id = $1', [alertId]),
   * ); // sees the job's write, from a replica that has it or from the primary
   */
  async runWithCausalToken<T>(
    token: string | undefined,
    fn: () => T | Promise<T>,
    options: ScopeInfo & { readonly consistency?: ConsistencyLevel } = {},
  ): Promise<T> {
    const { consistency, ...info } = options;
    const level = consistency ?? (this.#consistency === 'eventual' ? 'read_your_writes' : this.#consistency);
    const causal =
      level === 'eventual' ? undefined : (this.#tokens?.open(level, token) ?? createCausalRequest(level));
    return runInScope(true, fn, { ...info, ...(causal ? { causal } : {}) });
  }

  /**
   * Calls `listener` on each state change of this pool's replicas (the `replica-router:replica-state` channel
   * carries every pool's); returns the function that stops it. Never called when routing is off.
   *
   * @example
   * const stop = pool.onReplicaStateChange((e) => console.log(e.replica, e.from, '→', e.to, e.reason));
   */
  onReplicaStateChange(listener: (event: ReplicaStateEvent) => void): () => void {
    this.#stateListeners.add(listener);
    return () => {
      this.#stateListeners.delete(listener);
    };
  }

  /** Whether the `read_replica` alias exists. */
  get routingEnabled(): boolean {
    return this.#dispatcher.routingEnabled;
  }

  // pg.Pool's own overloads, so code typed against pg.Pool (`pool.query<Row>(…)`) compiles unchanged.
  override query<T extends pg.Submittable>(queryStream: T): T;
  override query<R extends unknown[] = unknown[], I = unknown[]>(
    queryConfig: pg.QueryArrayConfig<I>,
    values?: pg.QueryConfigValues<I>,
  ): Promise<pg.QueryArrayResult<R>>;
  // biome-ignore lint/suspicious/noExplicitAny: the default row type of pg's own signature.
  override query<R extends pg.QueryResultRow = any, I = unknown[]>(
    queryConfig: pg.QueryConfig<I>,
  ): Promise<pg.QueryResult<R>>;
  // biome-ignore lint/suspicious/noExplicitAny: the default row type of pg's own signature.
  override query<R extends pg.QueryResultRow = any, I = unknown[]>(
    queryTextOrConfig: string | pg.QueryConfig<I>,
    values?: pg.QueryConfigValues<I>,
  ): Promise<pg.QueryResult<R>>;
  override query<R extends unknown[] = unknown[], I = unknown[]>(
    queryConfig: pg.QueryArrayConfig<I>,
    callback: (err: Error, result: pg.QueryArrayResult<R>) => void,
  ): void;
  // biome-ignore lint/suspicious/noExplicitAny: the default row type of pg's own signature.
  override query<R extends pg.QueryResultRow = any, I = unknown[]>(
    queryTextOrConfig: string | pg.QueryConfig<I>,
    callback: (err: Error, result: pg.QueryResult<R>) => void,
  ): void;
  // biome-ignore lint/suspicious/noExplicitAny: the default row type of pg's own signature.
  override query<R extends pg.QueryResultRow = any, I = unknown[]>(
    queryText: string,
    values: pg.QueryConfigValues<I>,
    callback: (err: Error, result: pg.QueryResult<R>) => void,
  ): void;
  // Three parameters, not a rest array: pg's forms have at most three arguments, and the usual one, (text) or
  // (text, values), then builds no object at all on its way to the dispatcher.
  // biome-ignore lint/suspicious/noExplicitAny: the implementation accepts every overload above.
  override query(first?: any, second?: any, third?: any): any {
    if (!this.#replicas) {
      this.#dispatcher.counts.routing_disabled++;
      return super.query(first, second, third);
    }
    const ready = this.#dispatcher.ready;
    if (
      !ready &&
      third === undefined &&
      typeof first === 'string' &&
      (second === undefined || Array.isArray(second))
    ) {
      return this.#dispatch(first, first, second);
    }
    const q = normalizeQueryArgs([first, second, third]);
    if (q.submittable) return super.query(first, second, third);
    const result = ready
      ? ready.then(() => this.#dispatch(q.sql, q.config, q.values))
      : this.#dispatch(q.sql, q.config, q.values);
    return settle(result, q.callback);
  }

  #dispatch(sql: string, config: QueryInput, values: unknown[] | undefined): Promise<pg.QueryResult> {
    return this.#dispatcher.dispatch(sql, config, values, undefined, this.#primaryRunner);
  }

  /**
   * pool.query's semantics on the primary: check out, run, release (an error destroys the connection,
   * as pg-pool does). Callback forms underneath, so it costs what pg.Pool.query costs; pg-pool's own
   * query() is not used because it would call our connect() override.
   */
  readonly #primaryRunner: PrimaryRunner = (config, values) =>
    new Promise((resolve, reject) => {
      super.connect((connectError, client, done) => {
        if (connectError || !client) {
          reject(connectError);
          return;
        }
        const stopListening = listenWhileCheckedOut(client);
        const callback = (error: Error | null, result: pg.QueryResult) => {
          stopListening();
          done(error ?? undefined);
          if (error) reject(error);
          else resolve(result);
        };
        // pg's overloads do not combine a text-or-config union with a callback; the runtime accepts both.
        (client.query as (c: QueryInput, v: unknown[] | undefined, cb: typeof callback) => void)(
          config,
          values,
          callback,
        );
      });
    });

  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (
      err: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: Error | boolean) => void,
    ) => void,
  ): void;
  // biome-ignore lint/suspicious/noExplicitAny: matches pg.Pool's overloads (promise and callback forms).
  override connect(callback?: any): any {
    if (!this.#replicas) return super.connect(callback);
    const client = new RoutedClient(this.#dispatcher, () => super.connect());
    const done = Promise.resolve(client as unknown as pg.PoolClient);
    if (typeof callback === 'function') {
      void done.then((c) => callback(undefined, c, (err?: Error | boolean) => c.release(err)));
      return undefined;
    }
    return done;
  }

  override async end(): Promise<void> {
    await Promise.all([super.end(), this.#replicas?.end()]);
  }

  /**
   * Several reads that must agree with each other: one READ ONLY transaction (REPEATABLE READ by default,
   * so one snapshot) on one replica connection, or on the primary when routing is off, the request was
   * sent to the primary, or no replica is healthy. A replica failure reruns the whole transaction once on
   * the primary.
   *
   * @example
   * const [count, latest] = await pool.readOnlyTransaction(async (tx) => [
   *   (await tx.query('SELECT count(*) FROM performance_datum')).rows[0].count,
   *   (await tx.query('SELECT max(push_timestamp) FROM performance_datum')).rows[0].max,
   * ]);
   */
  async readOnlyTransaction<T>(
    fn: (client: ReadOnlyClient) => Promise<T>,
    options?: ReadOnlyTransactionOptions,
  ): Promise<T> {
    if (this.#dispatcher.ready) await this.#dispatcher.ready;
    return readOnlyTransaction(this.#dispatcher, () => super.connect(), fn, options);
  }

  /** Routing counters, per-replica state and lag, causal-token counters: for metrics and the status page. */
  stats(): RoutedPoolStats {
    return routedPoolStats({
      pool: this,
      consistency: this.#consistency,
      dispatcher: this.#dispatcher,
      replicas: this.#replicas,
      tokens: this.#tokens,
      hedger: this.#hedger,
    });
  }

  /** Never prints a password: hosts and state only. */
  [inspect.custom](): string {
    const p = this.#dispatcher.primaryRef;
    const replicas = this.#replicas?.state().map((r) => `${r.name}@${r.host}:${r.port}`) ?? [];
    return `RoutedPool { primary: ${p.host}:${p.port}, replicas: [${replicas.join(', ')}], routing: ${this.routingEnabled ? 'on' : 'off'} }`;
  }

  override toString(): string {
    return this[inspect.custom]();
  }

  toJSON(): RoutedPoolStats {
    return this.stats();
  }
}
