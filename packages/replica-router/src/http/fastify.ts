import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';
import type { RoutedPool } from '../pool/routed-pool.ts';
import { enterReplicaScope, type RequestScope } from '../scope/request-scope.ts';
import { replicaRequest } from './replica-request.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Opt this route into replica reads (GET, HEAD and OPTIONS only). One line per endpoint. */
    readReplica?: boolean;
  }
}

export interface ReadReplicaPluginOptions {
  readonly pool: RoutedPool;
}

const scopes = new WeakMap<object, RequestScope>();

/**
 * Fastify plugin: for routes with `config: { readReplica: true }` and a safe method, runs the request
 * in a replica scope and logs the reference's DEBUG line once. When the pool has no replica alias
 * (kill switch), it registers nothing at all.
 *
 * @example
 * await app.register(readReplicaPlugin, { pool });
 * app.get('/api/performance/framework/', { config: { readReplica: true } }, handler);
 */
const plugin: FastifyPluginCallback<ReadReplicaPluginOptions> = (fastify, options, done) => {
  if (!options.pool.routingEnabled) {
    done();
    return;
  }
  fastify.addHook('onRequest', (request, _reply, next) => {
    const info =
      request.routeOptions.config.readReplica === true
        ? replicaRequest(request.method, request.url, request.log)
        : undefined;
    if (!info) {
      next();
      return;
    }
    // Calling next() inside the scope makes every later hook and the handler run in it.
    const scope = enterReplicaScope(info, next);
    scopes.set(request, scope);
  });
  const end = (request: object) => {
    const scope = scopes.get(request);
    if (scope) scope.ended = true;
  };
  // Not on onRequestAbort: a handler keeps running after its client went away, and its remaining reads
  // belong on the replica, not on the primary the routing protects. The scope ends with the response.
  fastify.addHook('onResponse', (request, _reply, next) => {
    end(request);
    next();
  });
  done();
};

export const readReplicaPlugin = fp(plugin, { fastify: '5.x', name: 'replica-router' });
