import type { IncomingMessage, ServerResponse } from 'node:http';
import { enterReplicaScope, type RouterLogger } from '../scope/request-scope.ts';
import { type RoutingSwitch, replicaRequest } from './replica-request.ts';

/** Options of {@link readReplica}. */
export interface ExpressReadReplicaOptions {
  readonly pool: RoutingSwitch;
  /**
   * Where the DEBUG line (and the fallback WARN) go: a logger, or a function of the request. Default: the
   * request's own `req.log` when there is one (pino-http sets it), else the pool's `logger` for the WARN
   * and no DEBUG line.
   */
  readonly log?: RouterLogger | ((req: IncomingMessage) => RouterLogger | undefined);
}

/** Express's request with the fields the middleware reads; any `express.Request` is one. */
type ExpressLikeRequest = IncomingMessage & { originalUrl?: string; log?: RouterLogger };

/**
 * An Express (4 or 5) middleware: put it in front of the handlers of a route to opt that route into
 * replica reads. GET, HEAD and OPTIONS requests then run in a replica scope (and log the DEBUG line
 * once); any other method passes through untouched and runs on the primary. The scope ends when the
 * response has been sent. With routing off (no replica alias) it only calls `next()`.
 *
 * @example
 * import { readReplica } from 'replica-router/express';
 * app.get('/api/items', readReplica({ pool }), async (req, res) => {
 *   res.json((await pool.query('SELECT * FROM items')).rows); // a replica
 * });
 */
export function readReplica(
  options: ExpressReadReplicaOptions,
): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void {
  if (!options.pool.routingEnabled) return (_req, _res, next) => next();
  const { log } = options;
  return (req: ExpressLikeRequest, res, next) => {
    const logger = typeof log === 'function' ? log(req) : (log ?? req.log);
    const info = replicaRequest(req.method ?? 'GET', req.originalUrl ?? req.url ?? '/', logger);
    if (!info) {
      next();
      return;
    }
    // Calling next() inside the scope makes every later middleware and the handler run in it.
    const scope = enterReplicaScope(info, () => next());
    // As in the Fastify plugin: not on 'close' alone, since a handler whose client went away still
    // reads from the replica; late work after the response runs on the primary.
    res.once('finish', () => {
      scope.ended = true;
    });
  };
}
