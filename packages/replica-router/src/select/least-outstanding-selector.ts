import type { ReplicaCandidate, ReplicaSelector } from './replica-selector.ts';
import { SmoothWeightedRotation } from './smooth-weighted-rotation.ts';

/**
 * The replica with the fewest statements in flight through this pool, relative to its weight (a weight-2
 * replica with 2 running counts as 1). Ties, the usual case under light load, rotate by weight, so an idle
 * fleet still spreads reads. A replica stuck on a long statement stops getting new ones while others are free.
 */
export function leastOutstandingSelector(): ReplicaSelector {
  const rotation = new SmoothWeightedRotation();
  const load = (c: ReplicaCandidate) => c.outstanding / c.weight;
  return {
    name: 'least_outstanding',
    select(candidates) {
      if (candidates.length <= 1) return candidates[0];
      const least = Math.min(...candidates.map(load));
      return rotation.next(candidates.filter((c) => load(c) === least));
    },
  };
}
