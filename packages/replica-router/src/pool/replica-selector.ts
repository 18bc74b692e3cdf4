import type { ReplicaMember } from './replica-set.ts';

/**
 * Chooses one of the replicas that may serve a read (all healthy; under a causal token, all known to have
 * replayed it). Candidates carry what a smarter selector needs: `outstanding` statements, and the probes'
 * `health.lagMs` / `health.lagBytes`. Returns undefined only for an empty list.
 */
export type ReplicaSelector = (candidates: readonly ReplicaMember[]) => ReplicaMember | undefined;

/** Round-robin over the candidates, in the order of the `replicas` option. */
export function roundRobinSelector(): ReplicaSelector {
  let next = 0;
  return (candidates) => {
    if (candidates.length === 0) return undefined;
    const member = candidates[next % candidates.length];
    next = (next + 1) % 1_000_000_007;
    return member;
  };
}
