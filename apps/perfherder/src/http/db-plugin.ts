import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { RoutedPool } from 'replica-router';
import { readReplicaPlugin } from 'replica-router/fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** The routed pool: a pg.Pool that serves opted-in reads from replicas. */
    db: RoutedPool;
  }
}

export interface DbPluginOptions {
  readonly pool: RoutedPool;
  /** End the pool when the app closes (true when the app created it). */
  readonly closePool?: boolean;
}

/** Decorates `app.db` with the routed pool, installs replica scoping, and closes the pool in onClose. */
const plugin: FastifyPluginAsync<DbPluginOptions> = async (app, options) => {
  app.decorate('db', options.pool);
  // An idle primary connection that dies (restart, network) is an 'error' event on the pool: without a
  // listener it would crash the process. Log it; the pool replaces the connection on next use.
  const onIdleError = (error: Error & { code?: string }) =>
    app.log.warn({ exception_type: error.code ?? error.name }, 'db_pool_idle_client_error');
  // Kept after close: pg-pool's end() resolves before its sockets are gone, and a server shutting down
  // right then (tests, dev cluster) still reaches the pool as an 'error' event.
  options.pool.on('error', onIdleError);
  if (options.closePool) app.addHook('onClose', async () => options.pool.end());
  await app.register(readReplicaPlugin, { pool: options.pool });
};

export const dbPlugin = fp(plugin, { name: 'perfherder-db' });
