import type { FastifyPluginAsync } from 'fastify';

/** `/healthz` (liveness: the primary answers) and `/api/status/routing/` (routing state, no secrets). */
export const statusRoutes: FastifyPluginAsync = async (app) => {
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await app.db.query('SELECT 1');
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  app.get(
    '/api/status/routing/',
    { schema: { tags: ['status'], summary: 'Routing state per replica' } },
    async () => app.db.stats(),
  );
};
