import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RouterLogger, runInReplicaScope } from '../scope/request-scope.ts';
import { type RoutingSwitch, replicaRequest } from './replica-request.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Framework-neutral opt-in for a node:http style handler (`replica-router/http`, also exported from the
 * main entry): safe methods run in a replica scope; any other method runs as is (primary). The scope ends
 * when the handler settles. Pass the `pool`: when it has no replica alias (kill switch) the handler is
 * returned unwrapped, so there is no scope flag and no `db_routing routed_to=read_replica` line claiming a
 * routing that cannot happen.
 *
 * @example
 * http.createServer(withReplicaScope(async (req, res) => { … pool.query(…) … }, { pool, log }));
 */
export function withReplicaScope(
  handler: Handler,
  options: { log?: RouterLogger; pool?: RoutingSwitch } = {},
): Handler {
  if (options.pool && !options.pool.routingEnabled) return handler;
  return (req, res) => {
    const info = replicaRequest(req.method ?? 'GET', req.url ?? '/', options.log);
    return info ? runInReplicaScope(() => handler(req, res), info) : handler(req, res);
  };
}
