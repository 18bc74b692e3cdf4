/**
 * Where a replica stands. Only `healthy` receives reads.
 *
 * - `starting`: not probed yet (the pool waits for the first probe before its first statement).
 * - `healthy`: answers its probes, is in recovery, and is within the lag limits.
 * - `lagging`: over `maxLagMs` or `maxLagBytes`; back once under half of both (hysteresis).
 * - `ejected`: a probe failed or timed out, a statement met a connection error, or its hedges went past the
 *   hedge budget; back after
 *   `readmitProbes` consecutive good probes.
 * - `not_a_replica`: answers `pg_is_in_recovery() = false` (promoted, or a URL that points at a primary); back
 *   only after `readmitProbes` consecutive probes that find it in recovery.
 */
export type ReplicaState = 'starting' | 'healthy' | 'lagging' | 'ejected' | 'not_a_replica';

/**
 * Why a replica is not `healthy`, as logged in `db_routing_replica_ejected replica=<name> reason=<code>`.
 */
export type ReplicaStateReason =
  /** The probe's connection or statement failed. */
  | 'probe_failed'
  /** The probe did not answer within `probeTimeoutMs` (a frozen host, a stalled network). */
  | 'probe_timeout'
  /** A routed statement (or an idle pooled connection) met a connection error. */
  | 'connection_error'
  /** Past the hedge budget: too many of its statements needed the primary's help (a slow or frozen replica). */
  | 'hedge_budget'
  /** Over a lag limit. */
  | 'replica_lagging'
  /** The server is not in recovery. */
  | 'not_a_replica';
