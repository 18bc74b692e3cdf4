import type { Context, MiddlewareHandler } from 'hono';
import { type RouterLogger, runInReplicaScope } from '../scope/request-scope.ts';
import { type RoutingSwitch, replicaRequest } from './replica-request.ts';

/** Options of {@link readReplica}. */
export interface HonoReadReplicaOptions {
  readonly pool: RoutingSwitch;
  /**
   * Where the DEBUG line (and the fallback WARN) go: a logger, or a function of the context. Without
   * it there is no DEBUG line and the WARN goes to the pool's `logger`.
   */
  readonly log?: RouterLogger | ((c: Context) => RouterLogger | undefined);
}

/**
 * A Hono middleware (any runtime Node runs Hono on, e.g. `@hono/node-server`): on the routes it is
 * given, GET, HEAD and OPTIONS requests run in a replica scope (and log the DEBUG line once); any other
 * method passes through untouched and runs on the primary. The scope ends when the handler has returned
 * its response; a streamed body produced after that reads from the primary. With routing off (no
 * replica alias) it only awaits `next()`.
 *
 * @example
 * import { readReplica } from 'replica-router/hono';
 * app.get('/api/items', readReplica({ pool }), async (c) => c.json((await pool.query('SELECT * FROM items')).rows));
 */
export function readReplica(options: HonoReadReplicaOptions): MiddlewareHandler {
  if (!options.pool.routingEnabled) {
    return async (_c, next) => {
      await next();
    };
  }
  const { log } = options;
  return async (c, next) => {
    const info = replicaRequest(c.req.method, c.req.path, typeof log === 'function' ? log(c) : log);
    if (info) await runInReplicaScope(() => next(), info);
    else await next();
  };
}
