/** Largest weight accepted for a replica: a ratio past this is a typo, not a fleet. */
export const MAX_REPLICA_WEIGHT = 1000;

/**
 * What a selector sees of one replica that may serve a read. Every candidate it is given is healthy (and,
 * under a causal token, known to have replayed it).
 */
export interface ReplicaCandidate {
  readonly ref: { readonly name: string };
  /** Its share of reads relative to the others (default 1). */
  readonly weight: number;
  /** Statements running on it now, through this pool. */
  readonly outstanding: number;
  /** The probes' figures: estimated lag (an upper bound) and unreplayed WAL bytes at the last probe. */
  readonly health: { readonly lagMs: number | undefined; readonly lagBytes: number | undefined };
}

/**
 * Chooses the replica for a read, among candidates given in configuration order (or discovery order).
 * Pass one as the pool's `selector` option to replace the built-in ones; it must be synchronous and cheap
 * (it runs for every routed statement), and return one of `candidates`, or undefined only when the list is
 * empty.
 *
 * @example
 * // Prefer the replica in our own zone, round-robin otherwise.
 * const rr = roundRobinSelector();
 * const sameZone: ReplicaSelector = {
 *   name: 'same_zone',
 *   select: (candidates) => candidates.find((c) => c.ref.name === 'replica_1') ?? rr.select(candidates),
 * };
 * new RoutedPool({ primary, replicas, selector: sameZone });
 */
export interface ReplicaSelector {
  /** Shown in `pool.stats().selector` and on the status page. */
  readonly name: string;
  select<C extends ReplicaCandidate>(candidates: readonly C[]): C | undefined;
}
