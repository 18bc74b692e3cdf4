import type { ReplicaSelector } from './replica-selector.ts';
import { SmoothWeightedRotation } from './smooth-weighted-rotation.ts';

/**
 * The default: round-robin over the candidates, weighted (smoothly: weights 2:1 interleave as a, b, a, a, b, a…).
 * With equal weights, plain rotation in configuration order.
 */
export function roundRobinSelector(): ReplicaSelector {
  const rotation = new SmoothWeightedRotation();
  return { name: 'round_robin', select: (candidates) => rotation.next(candidates) };
}
