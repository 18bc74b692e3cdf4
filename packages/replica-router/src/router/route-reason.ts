/**
 * Why a statement went where it went. Published on the diagnostics channel, counted in the pool's
 * stats and shown by the service's status page.
 */
export type RouteReason =
  /** Read-only, in an opted-in request, every table allow-listed: served by a replica. */
  | 'routed'
  /** Routing is off (kill switch): the pool behaves as a plain pg.Pool on the primary. */
  | 'routing_disabled'
  /** No opted-in request scope (or a non-safe method, or `usePrimary`). */
  | 'not_in_scope'
  /** The statement writes, locks rows, or calls a function not known to be read-only. */
  | 'write'
  /** The parser could not prove anything (parse error, several statements, EXECUTE…). */
  | 'unknown_statement'
  /** Between BEGIN and COMMIT/ROLLBACK: the whole transaction runs on one primary connection. */
  | 'in_transaction'
  /** The client holds session state (SET, PREPARE, LISTEN, temp tables, advisory locks…). */
  | 'session_state'
  /** The statement reads a table whose app is not allow-listed (e.g. `auth`). */
  | 'table_not_allowed'
  /** No replica may serve reads: each is ejected (probe or connection failure) or not probed yet. */
  | 'replica_down'
  /** No healthy replica, and at least one is only over its lag limit. */
  | 'replica_lagging'
  /** Every replica answers `pg_is_in_recovery() = false`: none is a replica. */
  | 'not_a_replica'
  /** The request's causal token requires a WAL position no healthy replica has certainly replayed. */
  | 'causal_behind'
  /** A replica failed this request once: the retry and the rest of the request use the primary. */
  | 'fallback'
  /**
   * A replica statement had not answered within the hedge delay: it also ran on the primary, and the first
   * answer was used (counted once per hedge, on top of `routed`).
   */
  | 'hedged'
  /**
   * A replica cancelled a routed read for a conflict with recovery (40001): this is its one retry, on another
   * healthy replica, or on the primary when there is none.
   */
  | 'conflict_retry'
  /** This request wrote earlier: later reads use the primary so it sees its own writes. */
  | 'after_write';

/** The two aliases of the reference: the primary and the replica set behind one name. */
export type Alias = 'default' | 'read_replica';

/** Per-reason statement counts, for metrics and the status page. */
export type ReasonCounts = Record<RouteReason, number>;

/** Every reason at zero. */
export function emptyCounts(): ReasonCounts {
  return {
    routed: 0,
    routing_disabled: 0,
    not_in_scope: 0,
    write: 0,
    unknown_statement: 0,
    in_transaction: 0,
    session_state: 0,
    table_not_allowed: 0,
    replica_down: 0,
    replica_lagging: 0,
    not_a_replica: 0,
    causal_behind: 0,
    fallback: 0,
    hedged: 0,
    conflict_retry: 0,
    after_write: 0,
  };
}
