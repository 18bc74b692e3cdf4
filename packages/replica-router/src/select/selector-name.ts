import { leastLagSelector } from './least-lag-selector.ts';
import { leastOutstandingSelector } from './least-outstanding-selector.ts';
import type { ReplicaSelector } from './replica-selector.ts';
import { roundRobinSelector } from './round-robin-selector.ts';

/** The built-in selectors, by the name `READ_REPLICA_SELECTOR` and the `selector` option accept. */
export const selectorNames = ['round_robin', 'least_outstanding', 'least_lag'] as const;
export type SelectorName = (typeof selectorNames)[number];

export function isSelectorName(value: unknown): value is SelectorName {
  return selectorNames.includes(value as SelectorName);
}

/** A fresh built-in selector (each pool gets its own rotation state). */
export function createSelector(name: SelectorName): ReplicaSelector {
  switch (name) {
    case 'round_robin':
      return roundRobinSelector();
    case 'least_outstanding':
      return leastOutstandingSelector();
    case 'least_lag':
      return leastLagSelector();
  }
}
