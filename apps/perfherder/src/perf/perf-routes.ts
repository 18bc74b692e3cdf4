import type { FastifyPluginAsync } from 'fastify';
import { frameworkRoutes } from './framework/framework-routes.ts';

/**
 * Every Perfherder endpoint. The 11 read-only endpoints of the reference opt into replica reads with
 * `config: { readReplica: true }` on their route; tags, alert summaries and alerts stay on the primary.
 */
export const perfRoutes: FastifyPluginAsync = async (app) => {
  await app.register(frameworkRoutes);
};
