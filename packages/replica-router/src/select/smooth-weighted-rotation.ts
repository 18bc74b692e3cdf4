import type { ReplicaCandidate } from './replica-selector.ts';

/** State entries kept for replicas that are not candidates now (ejected for a while, or gone). */
const MAX_IDLE_ENTRIES = 64;

/**
 * Smooth weighted round-robin (the interleaving nginx uses for weighted upstreams): on each pick every
 * candidate's running score grows by its weight, the highest score wins and gives back the sum of the
 * weights. Weights 2:1 give a, b, a, a, b, a… rather than a, a, b, so load spreads evenly in time as well as in
 * total. Scores are kept by replica name, so a candidate list that varies from call to call (a replica ejected,
 * a causal token narrowing it) keeps each replica's place.
 */
export class SmoothWeightedRotation {
  readonly #scores = new Map<string, number>();

  next<C extends ReplicaCandidate>(candidates: readonly C[]): C | undefined {
    if (candidates.length <= 1) return candidates[0];
    let total = 0;
    let best: C | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const candidate of candidates) {
      const weight = candidate.weight;
      total += weight;
      const score = (this.#scores.get(candidate.ref.name) ?? 0) + weight;
      this.#scores.set(candidate.ref.name, score);
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    this.#scores.set(best!.ref.name, bestScore - total);
    if (this.#scores.size > candidates.length + MAX_IDLE_ENTRIES) this.#forgetAbsent(candidates);
    return best;
  }

  #forgetAbsent(candidates: readonly ReplicaCandidate[]): void {
    const present = new Set(candidates.map((c) => c.ref.name));
    for (const name of this.#scores.keys()) if (!present.has(name)) this.#scores.delete(name);
  }
}
