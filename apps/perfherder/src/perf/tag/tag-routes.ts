import type { FastifyPluginAsync } from 'fastify';
import { idParamsSchema, pathId } from '../../http/integer-param.ts';
import { notFound } from '../../http/service-errors.ts';

const tagSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' } },
  required: ['id', 'name'],
} as const;

/**
 * Spec 3.8: performance tags `{id, name}`, ordered by id. Read-only, but deliberately NOT opted into
 * replica reads: the reference leaves this viewset on the primary.
 */
export const tagRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/performance/tag/',
    {
      schema: {
        tags: ['performance'],
        summary: 'Performance tags',
        response: { 200: { type: 'array', items: tagSchema } },
      },
    },
    async () => (await app.db.query('SELECT id, name FROM performance_tag ORDER BY id')).rows,
  );

  app.get<{ Params: { id: string } }>(
    '/api/performance/tag/:id/',
    {
      schema: {
        tags: ['performance'],
        summary: 'One performance tag',
        params: idParamsSchema,
        response: { 200: tagSchema },
      },
    },
    async (request) => {
      const id = pathId(request.params.id, 'PerformanceTag');
      const { rows } = await app.db.query('SELECT id, name FROM performance_tag WHERE id = $1', [id]);
      if (rows.length === 0) throw notFound('PerformanceTag');
      return rows[0];
    },
  );
};
