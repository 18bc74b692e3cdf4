/**
 * What a client may read, set per pool and overridable per route.
 *
 * - `eventual`: the reference's behaviour. A replica serves whatever it has replayed; no token is issued or read.
 * - `read_your_writes`: a request that wrote answers with a causal token; a later request presenting it reads
 *   only from a replica that has replayed the write, else from the primary (`causal_behind`).
 * - `monotonic`: as `read_your_writes`, and every response that read refreshes the token with a position at
 *   least as new as what it read, so the client never reads an older state than one it has seen.
 */
export type ConsistencyLevel = 'eventual' | 'read_your_writes' | 'monotonic';

/** Every level, for validation and docs. */
export const consistencyLevels: readonly ConsistencyLevel[] = ['eventual', 'read_your_writes', 'monotonic'];

export function isConsistencyLevel(value: unknown): value is ConsistencyLevel {
  return typeof value === 'string' && (consistencyLevels as readonly string[]).includes(value);
}
