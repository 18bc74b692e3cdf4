import type { RouterLogger, ScopeInfo } from '../scope/request-scope.ts';
import { SAFE_METHODS } from './safe-methods.ts';

/** What every adapter needs from the pool: whether the `read_replica` alias exists (the kill switch). */
export interface RoutingSwitch {
  readonly routingEnabled: boolean;
}

/** A logger that may say whether a level is on (pino, and so Fastify's `request.log`, does). */
type LevelAwareLogger = RouterLogger & { isLevelEnabled?: (level: string) => boolean };

/** A request URL's path, without the query string (what the log lines name). */
export function requestPath(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * The decision every framework adapter shares, for one request on an opted-in route: `undefined` when it
 * stays on the primary (not GET, HEAD or OPTIONS), else the scope to run it in, after logging the
 * reference's DEBUG line `db_routing routed_to=read_replica path=<path> method=<method>` once. `url` may
 * carry a query string: the line names the path only. Adapters check `routingEnabled` before calling
 * this, so with routing off there is no scope and no line.
 */
export function replicaRequest(
  method: string,
  url: string,
  log: RouterLogger | undefined,
): ScopeInfo | undefined {
  if (!SAFE_METHODS.has(method)) return undefined;
  const path = requestPath(url);
  // Built only when DEBUG is on (pino's isLevelEnabled; other loggers decide for themselves): this runs
  // for every routed request.
  if (log && ((log as LevelAwareLogger).isLevelEnabled?.('debug') ?? true)) {
    log.debug(
      { db_routing: 'routed', routed_to: 'read_replica', path, method },
      `db_routing routed_to=read_replica path=${path} method=${method}`,
    );
  }
  return { path, method, ...(log ? { log } : {}) };
}
