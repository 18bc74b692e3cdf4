import diagnostics_channel from 'node:diagnostics_channel';
import type { Alias, RouteReason } from '../router/route-reason.ts';

/** Which server a statement ran on. */
export interface NodeRef {
  readonly alias: Alias;
  /** `primary`, or the replica's name (`replica_1`, …). */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/**
 * One statement's routing, published on {@link routeChannel} after it ran (or failed). A statement
 * that fell back produces two events: the failed replica attempt (`error` set, `retried: true`) and the
 * primary run (reason `fallback`).
 */
export interface RouteEvent {
  readonly node: NodeRef;
  readonly reason: RouteReason;
  readonly sql: string;
  readonly durationMs: number;
  readonly error?: unknown;
  /** This replica attempt failed and was retried on the primary. */
  readonly retried?: boolean;
}

/** Channel name: `replica-router:route`. Subscribing costs nothing when nobody listens. */
export const routeChannel = diagnostics_channel.channel('replica-router:route');
