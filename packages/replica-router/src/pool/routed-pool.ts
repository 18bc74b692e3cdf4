import { inspect } from 'node:util';
import pg from 'pg';
import { createStatementClassifier } from '../classify/statement-classifier.ts';
import { createReplicaRouter, type ReplicaRouter } from '../router/replica-router.ts';
import type { RouterLogger } from '../scope/request-scope.ts';
import { endpointOf, toPoolConfig } from './connection-config.ts';
import { normalizeQueryArgs, type QueryArgs, settle } from './query-args.ts';
import {
  type ReadOnlyClient,
  type ReadOnlyTransactionOptions,
  readOnlyTransaction,
} from './read-only-transaction.ts';
import { type ReplicaMemberState, ReplicaSet } from './replica-set.ts';
import { RoutedClient } from './routed-client.ts';
import {
  type PrimaryRunner,
  type QueryInput,
  type ReasonCounts,
  StatementDispatcher,
} from './statement-dispatcher.ts';

export interface RoutedPoolOptions {
  /** The primary: a URL or a pg.PoolConfig. */
  readonly primary: string | pg.PoolConfig;
  /**
   * Replicas behind the `read_replica` alias. Empty or omitted = routing off: the pool is then exactly a
   * pg.Pool on the primary (no classification, no scope, no fallback log, no extra query).
   */
  readonly replicas?: readonly (string | pg.PoolConfig)[];
  /** Table → app label; with `allowList`, decides which tables may be read from a replica. */
  readonly tableApps?: Readonly<Record<string, string>>;
  /** Apps readable from a replica. Default `['perf', 'model']`. */
  readonly allowList?: Iterable<string>;
  /** Functions (besides the built-in read-only set) that are safe on a replica, e.g. `['my_schema.f']`. */
  readonly readOnlyFunctions?: Iterable<string>;
  /** Connections per pool (primary and each replica). Default 10. */
  readonly max?: number;
  /** Connect timeout for replica connections. Default 2000. */
  readonly replicaConnectTimeoutMs?: number;
  /** Client-side query timeout on replicas (a stalled replica then fails over). Default 30000. */
  readonly replicaQueryTimeoutMs?: number;
  /** How long a replica gets no reads after a connection failure. Default 5000. */
  readonly ejectMs?: number;
  /** Classification cache entries. Default 5000. */
  readonly classifierCacheSize?: number;
  /** Where the fallback WARN goes when the request scope has no logger of its own. */
  readonly logger?: RouterLogger;
}

/** A snapshot for metrics and the status page. */
export interface RoutedPoolStats {
  readonly routingEnabled: boolean;
  readonly reasons: Readonly<ReasonCounts>;
  readonly fallbacks: number;
  readonly primary: {
    readonly host: string;
    readonly port: number;
    readonly totalCount: number;
    readonly idleCount: number;
    readonly waitingCount: number;
  };
  readonly replicas: readonly ReplicaMemberState[];
}

/**
 * A drop-in `pg.Pool` (it is one: `instanceof pg.Pool` holds, so Drizzle and Kysely treat it as a pool)
 * that sends each provably read-only statement of an opted-in request to a streaming replica and
 * everything else to the primary. Counters and events are the primary pool's.
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

  constructor(options: RoutedPoolOptions) {
    const max = options.max ?? 10;
    super(toPoolConfig(options.primary, { max }));
    const primaryEndpoint = endpointOf(this.options);
    this.router = createReplicaRouter({
      tableApps: options.tableApps ?? {},
      ...(options.allowList ? { allowList: options.allowList } : {}),
    });
    const replicaSources = options.replicas ?? [];
    this.#replicas =
      replicaSources.length === 0
        ? undefined
        : new ReplicaSet(
            replicaSources.map((r) =>
              toPoolConfig(r, {
                max,
                connectionTimeoutMillis: options.replicaConnectTimeoutMs ?? 2000,
                query_timeout: options.replicaQueryTimeoutMs ?? 30_000,
              }),
            ),
            { ejectMs: options.ejectMs ?? 5000, logger: options.logger },
          );
    this.#dispatcher = new StatementDispatcher({
      replicas: this.#replicas,
      primaryRef: {
        alias: 'default',
        name: 'primary',
        host: primaryEndpoint.host,
        port: primaryEndpoint.port,
      },
      classifier: this.#replicas
        ? createStatementClassifier({
            cacheSize: options.classifierCacheSize ?? 5000,
            ...(options.readOnlyFunctions ? { readOnlyFunctions: options.readOnlyFunctions } : {}),
          })
        : undefined,
      router: this.router,
      logger: options.logger,
    });
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
  // biome-ignore lint/suspicious/noExplicitAny: the implementation accepts every overload above.
  override query(...args: any[]): any {
    if (!this.#replicas) {
      this.#dispatcher.counts.routing_disabled++;
      return super.query(...(args as Parameters<pg.Pool['query']>));
    }
    const q = normalizeQueryArgs(args);
    if (q.submittable) return super.query(...(args as Parameters<pg.Pool['query']>));
    const ready = this.#dispatcher.ready;
    const result = ready ? ready.then(() => this.#dispatch(q)) : this.#dispatch(q);
    return settle(result, q.callback);
  }

  #dispatch(q: QueryArgs): Promise<pg.QueryResult> {
    const decision = this.#dispatcher.decide(q.sql, undefined);
    return this.#dispatcher.run(q.sql, q.config, q.values, decision, this.#primaryRunner);
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
        const callback = (error: Error | null, result: pg.QueryResult) => {
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

  /** Routing counters and per-replica state, for metrics and the status page. */
  stats(): RoutedPoolStats {
    const p = this.#dispatcher.primaryRef;
    return {
      routingEnabled: this.routingEnabled,
      reasons: { ...this.#dispatcher.counts },
      fallbacks: this.#dispatcher.fallbacks,
      primary: {
        host: p.host,
        port: p.port,
        totalCount: this.totalCount,
        idleCount: this.idleCount,
        waitingCount: this.waitingCount,
      },
      replicas: this.#replicas?.state() ?? [],
    };
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
