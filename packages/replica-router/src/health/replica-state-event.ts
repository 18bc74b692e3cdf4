import diagnostics_channel from 'node:diagnostics_channel';
import type { ReplicaState, ReplicaStateReason } from './replica-state.ts';

/** One replica changing state, published on {@link replicaStateChannel} (the same change is logged once). */
export interface ReplicaStateEvent {
  /** `replica_1`, … */
  readonly replica: string;
  readonly from: ReplicaState;
  readonly to: ReplicaState;
  /** Why it is not healthy now; undefined when it became healthy. */
  readonly reason: ReplicaStateReason | undefined;
  /** When it changed (ms since the epoch, the pool's clock). */
  readonly at: number;
  /** Lag when it changed, if known. */
  readonly lagMs: number | undefined;
  readonly lagBytes: number | undefined;
}

/** Channel name: `replica-router:replica-state`, for status pages and tests. */
export const replicaStateChannel = diagnostics_channel.channel('replica-router:replica-state');
