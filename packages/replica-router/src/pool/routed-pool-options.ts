import type pg from 'pg';
import type { ConsistencyLevel } from '../causal/consistency-level.ts';
import type { DiscoveryOptions } from '../discover/dns-discovery.ts';
import type { HedgeStats } from '../hedge/hedger.ts';
import type { RouterLogger } from '../log/router-logger.ts';
import type { ReasonCounts } from '../router/route-reason.ts';
import type { ReplicaSelector } from '../select/replica-selector.ts';
import type { SelectorName } from '../select/selector-name.ts';
import type { CausalTokenCounts } from './causal-tokens.ts';
import type { CatchUpCounts } from './replica-chooser.ts';
import type { DiscoveryState, ReplicaMemberState } from './replica-set.ts';

export interface RoutedPoolOptions {
  /**
   * The primary: a URL or a pg.PoolConfig. A config's `connectionString` is parsed (the password kept out of
   * `inspect` and JSON) and its other settings kept, e.g. `{ connectionString, idleTimeoutMillis: 0 }`.
   * `max` and the replica timeouts below override the same fields of a config.
   */
  readonly primary: string | pg.PoolConfig;
  /**
   * Replicas behind the `read_replica` alias, each a URL or a pg.PoolConfig (as `primary`), or a pg.Pool of the
   * application's own. Empty or omitted = routing off: the pool is then exactly a pg.Pool on the primary (no
   * classification, no scope, no fallback log, no probe, no extra query).
   *
   * A pg.Pool is used as it is, with its own size and timeouts (`max` and the replica timeouts below do not apply
   * to it; without a `query_timeout` of its own, a stalled replica is left to hedging and the probes), and it is
   * still the application's: `end()` leaves it open, and its connections get no listener for good. Its probes
   * connect with its options. Useful to share connections with code that uses the pool directly, or to keep a
   * pool with instrumentation of its own.
   */
  readonly replicas?: readonly (string | pg.PoolConfig | pg.Pool)[];
  /**
   * Each replica's share of reads, aligned with `replicas` (same length; positive integers). Default: all 1.
   * `round_robin` interleaves by weight (smooth weighted round-robin); `least_outstanding` divides each
   * replica's statements in flight by its weight; `least_lag` rotates by weight among equally fresh replicas.
   */
  readonly replicaWeights?: readonly number[];
  /**
   * How a read picks among healthy replicas: `round_robin` (default), `least_outstanding` (fewest statements
   * in flight), `least_lag` (least behind at the last probes), or your own {@link ReplicaSelector}.
   */
  readonly selector?: SelectorName | ReplicaSelector;
  /**
   * Find the replicas by DNS instead of listing them: every A/AAAA record of `host` is a replica on `port`,
   * re-resolved every `intervalMs` (default 5000). New addresses get a pool (admitted after `readmitProbes`
   * good probes); addresses that disappear stop getting statements and their pool closes once its work is
   * done; a failed resolution keeps the last set. User, password, database and TLS settings come from
   * `connection` (default: the primary's). Cannot be combined with `replicas`.
   *
   * @example
   * new RoutedPool({ primary, discovery: { host: 'db-replicas.prod.svc.cluster.local', port: 5432 } });
   */
  readonly discovery?: DiscoveryOptions & { readonly connection?: string | pg.PoolConfig };
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
  /** Time between two probes of a replica (±20 % jitter). Default 1000. */
  readonly probeMs?: number;
  /** A probe that has not answered within this ejects the replica. Default 1000. */
  readonly probeTimeoutMs?: number;
  /** Lag (ms) past which a replica gets no reads; 0 = no time limit. Default 10000. */
  readonly maxLagMs?: number;
  /** Lag (WAL bytes) past which a replica gets no reads; 0 = no byte limit. Default 16 MiB. */
  readonly maxLagBytes?: number;
  /** Consecutive good probes before an ejected replica gets reads again. Default 2. */
  readonly readmitProbes?: number;
  /**
   * Hedged reads: a replica statement (outside a transaction) that has not answered within this many ms also
   * runs on the primary, and the first answer wins. Undefined (the default): adaptive, 2 × the p95 latency of the
   * statement's shape (its SQL text) once it has been timed, at least `hedgeFloorMs`, uncapped; before that 2 × the
   * replica's p95 within [`hedgeFloorMs`, `hedgeCapMs`]. Statements in flight on a replica that gets ejected are
   * hedged at once. 0: off.
   */
  readonly hedgeMs?: number;
  /** Lowest adaptive hedge delay. Default 20. */
  readonly hedgeFloorMs?: number;
  /**
   * Highest replica-wide adaptive hedge delay, for shapes without history (also the delay until 20 statements
   * were timed). Default 250.
   */
  readonly hedgeCapMs?: number;
  /**
   * Share of a replica's statements (over 10 s; at least 3 are always allowed) that may be hedged races the
   * replica lost (the primary answered first); a lost race past it ejects the replica (`hedge_budget`). Default
   * 0.1.
   */
  readonly hedgeBudget?: number;
  /** Default consistency of requests (routes may override it). Default `read_your_writes`. */
  readonly consistency?: ConsistencyLevel;
  /**
   * HMAC key of causal tokens, at least 32 bytes; every instance behind one load balancer needs the same.
   * Without it the pool makes a random one and logs a WARN: tokens then hold only for this process.
   */
  readonly tokenSecret?: string | Uint8Array;
  /** How long a causal token is honoured. Default 60000; keep it above `maxLagMs`. */
  readonly tokenTtlMs?: number;
  /** How long a token-holding read may wait for a replica to replay the token. Default 0 (go to the primary). */
  readonly catchUpWaitMs?: number;
  /**
   * When the probes' last positions are behind a token, ask the healthy replicas for their replay position
   * (one round trip) before sending the read to the primary. Default true (see bench/results/causal.json).
   */
  readonly askReplicaWhenBehind?: boolean;
  /** Classification cache entries. Default 5000. */
  readonly classifierCacheSize?: number;
  /** Where the fallback WARN and the replica state lines go when the request scope has no logger of its own. */
  readonly logger?: RouterLogger;
}

/** A snapshot for metrics and the status page. Holds no secret. */
export interface RoutedPoolStats {
  readonly routingEnabled: boolean;
  /** The pool's default consistency level. */
  readonly consistency: ConsistencyLevel;
  readonly reasons: Readonly<ReasonCounts>;
  readonly fallbacks: number;
  readonly primary: {
    readonly host: string;
    readonly port: number;
    /** The primary's WAL position at the last probe (`pg_current_wal_lsn()`). */
    readonly walLsn: string | undefined;
    readonly totalCount: number;
    readonly idleCount: number;
    readonly waitingCount: number;
  };
  /** The selector's name (`round_robin`, `least_outstanding`, `least_lag`, or a custom one's). */
  readonly selector: string | undefined;
  readonly replicas: readonly ReplicaMemberState[];
  /** Hedged reads per replica; undefined when routing is off. */
  readonly hedging: HedgeStats | undefined;
  /** DNS discovery (undefined when the replicas are listed). */
  readonly discovery: DiscoveryState | undefined;
  /**
   * Statement texts the pool knows to be replica reads (verdict `read`, every table on the allow-list): in an
   * opted-in scope they skip the classifier and the router. At most 1000 (or the classifier's cache size).
   */
  readonly readMemo: number;
  /** Causal tokens and checks; undefined when routing is off. */
  readonly causal:
    | {
        readonly tokens: Readonly<CausalTokenCounts>;
        readonly checks: Readonly<CatchUpCounts>;
      }
    | undefined;
}
