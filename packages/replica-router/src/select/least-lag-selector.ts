import type { ReplicaCandidate, ReplicaSelector } from './replica-selector.ts';
import { SmoothWeightedRotation } from './smooth-weighted-rotation.ts';

/** Lags this close to the least count as equal: the probes' estimate moves by a few ms from probe to probe. */
export const DEFAULT_LAG_TOLERANCE_MS = 50;

/**
 * The replica the probes last saw least behind the primary (estimated lag in ms).
 * Replicas within `toleranceMs` of the least lag are equal and rotate by weight, so a caught-up fleet spreads
 * reads instead of piling onto whichever probe answered last. A replica with no figure yet ranks last.
 * Every candidate is already under the pool's lag limits; this prefers the freshest among them.
 */
export function leastLagSelector(options: { readonly toleranceMs?: number } = {}): ReplicaSelector {
  const tolerance = options.toleranceMs ?? DEFAULT_LAG_TOLERANCE_MS;
  const rotation = new SmoothWeightedRotation();
  const lag = (c: ReplicaCandidate) => c.health.lagMs ?? Number.POSITIVE_INFINITY;
  return {
    name: 'least_lag',
    select(candidates) {
      if (candidates.length <= 1) return candidates[0];
      const least = Math.min(...candidates.map(lag));
      const near = candidates.filter((c) => lag(c) <= least + tolerance);
      return rotation.next(near);
    },
  };
}
