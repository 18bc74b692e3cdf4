import type { FastifyPluginAsync } from 'fastify';
import { idParamsSchema, pathId } from '../../http/integer-param.ts';
import { orderingTerms } from '../../http/query-params.ts';
import { notFound } from '../../http/service-errors.ts';

const frameworkSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' } },
  required: ['id', 'name'],
} as const;

const ORDERING_COLUMNS: Readonly<Record<string, string>> = { id: 'id', name: 'name' };

/** Spec 3.5: enabled frameworks, ordered by id (`?ordering=` on id/name). Replica-routed. */
export const frameworkRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { ordering?: string } }>(
    '/api/performance/framework/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: 'Enabled performance frameworks',
        querystring: { type: 'object', properties: { ordering: { type: 'string' } } },
        response: { 200: { type: 'array', items: frameworkSchema } },
      },
    },
    async (request) => {
      const order = [...orderingTerms(request.query.ordering, ORDERING_COLUMNS), 'id'].join(', ');
      const { rows } = await app.db.query(
        `SELECT id, name FROM performance_framework WHERE enabled ORDER BY ${order}`,
      );
      return rows;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/performance/framework/:id/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: 'One enabled performance framework',
        params: idParamsSchema,
        response: { 200: frameworkSchema },
      },
    },
    async (request) => {
      const { rows } = await app.db.query(
        'SELECT id, name FROM performance_framework WHERE enabled AND id = $1',
        [pathId(request.params.id, 'PerformanceFramework')],
      );
      if (rows.length === 0) throw notFound('PerformanceFramework');
      return rows[0];
    },
  );
};
