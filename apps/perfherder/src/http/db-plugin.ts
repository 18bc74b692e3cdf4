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
  if (options.closePool) app.addHook('onClose', async () => options.pool.end());
  await app.register(readReplicaPlugin, { pool: options.pool });
};

export const dbPlugin = fp(plugin, { name: 'perfherder-db' });
