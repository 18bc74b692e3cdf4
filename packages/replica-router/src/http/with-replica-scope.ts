import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RouterLogger, runInReplicaScope } from '../scope/request-scope.ts';
import { SAFE_METHODS } from './safe-methods.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Framework-neutral opt-in for a node:http style handler: safe methods run in a replica scope; any
 * other method runs as is (primary). The scope ends when the handler settles. Pass the `pool`: when
 * it has no replica alias (kill switch) the handler is returned unwrapped, so there is no scope flag
 * and no `db_routing routed_to=read_replica` line claiming a routing that cannot happen.
 *
 * @example
 * http.createServer(withReplicaScope(async (req, res) => { … pool.query(…) … }, { pool, log }));
 */
export function withReplicaScope(
  handler: Handler,
  options: { log?: RouterLogger; pool?: { readonly routingEnabled: boolean } } = {},
): Handler {
  if (options.pool && !options.pool.routingEnabled) return handler;
  return (req, res) => {
    const method = req.method ?? 'GET';
    if (!SAFE_METHODS.has(method)) return handler(req, res);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    options.log?.debug(
      { db_routing: 'routed', routed_to: 'read_replica', path, method },
      `db_routing routed_to=read_replica path=${path} method=${method}`,
    );
    return runInReplicaScope(() => handler(req, res), {
      path,
      method,
      ...(options.log ? { log: options.log } : {}),
    });
  };
}
