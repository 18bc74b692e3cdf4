import type { WalPosition } from '../wal/wal-position.ts';
import type { InvalidTokenReason, TokenCheck } from './causal-token.ts';
import type { ConsistencyLevel } from './consistency-level.ts';

/**
 * The causal state of one request (or one background job run under a token), kept in its request scope.
 * The router reads `required` to choose a replica and fills in the rest as statements run; at the end the
 * pool turns it into the token the response carries.
 */
export interface CausalRequest {
  readonly level: ConsistencyLevel;
  /** The position the presented token requires; undefined without a valid token. */
  readonly required: WalPosition | undefined;
  /** Why the presented token was ignored, if one was presented and it was invalid. */
  readonly rejected: InvalidTokenReason | undefined;
  /** Names of the replicas that served reads of this request. */
  readonly servedBy: Set<string>;
  /** `monotonic`: the one replica this request reads from once it has read from one. */
  pinned: string | undefined;
  /** A statement of this request ran on the primary (it then saw the primary's newest state). */
  touchedPrimary: boolean;
}

/** The causal state for a request at `level`, given what checking its presented token (if any) said. */
export function createCausalRequest(level: ConsistencyLevel, check?: TokenCheck): CausalRequest {
  return {
    level,
    required: check?.ok ? check.token.position : undefined,
    rejected: check && !check.ok ? check.reason : undefined,
    servedBy: new Set(),
    pinned: undefined,
    touchedPrimary: false,
  };
}
