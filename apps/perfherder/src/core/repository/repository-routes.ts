import type { FastifyPluginAsync } from 'fastify';
import { refuseWrites } from '../../auth/refuse-writes.ts';
import { idParamsSchema, intIdParam } from '../../http/integer-param.ts';
import { notFound, notFoundBody } from '../../http/service-errors.ts';

const repositorySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    repository_group: {
      type: 'object',
      properties: { name: { type: 'string' }, description: { type: 'string' } },
      required: ['name', 'description'],
    },
    name: { type: 'string' },
    dvcs_type: { type: 'string' },
    url: { type: 'string' },
    codebase: { type: 'string' },
    description: { type: 'string' },
    active_status: { type: 'string' },
    life_cycle_order: { type: ['integer', 'null'] },
    performance_alerts_enabled: { type: 'boolean' },
    expire_performance_data: { type: 'boolean' },
    is_try_repo: { type: 'boolean' },
    tc_root_url: { type: 'string' },
    accepts_pull_requests: { type: 'boolean' },
  },
  // Every key, in order: fast-json-stringify writes required keys first, and the reference's order is this.
  required: [
    'id',
    'repository_group',
    'name',
    'dvcs_type',
    'url',
    'codebase',
    'description',
    'active_status',
    'life_cycle_order',
    'performance_alerts_enabled',
    'expire_performance_data',
    'is_try_repo',
    'tc_root_url',
    'accepts_pull_requests',
  ],
} as const;

// Only active repositories, as the reference's queryset: on-hold ones are hidden from list and detail.
const SELECT = `
  SELECT r.id, json_build_object('name', g.name, 'description', g.description) AS repository_group,
         r.name, r.dvcs_type, r.url, r.codebase, r.description, r.active_status, r.life_cycle_order,
         r.performance_alerts_enabled, r.expire_performance_data, r.is_try_repo, r.tc_root_url,
         r.accepts_pull_requests
  FROM repository r JOIN repository_group g ON g.id = r.repository_group_id
  WHERE r.active_status = 'active'`;

/**
 * treeherder-core-api.md section 2: active repositories, ordered by id (the reference leaves the order
 * unspecified), and one by id. Replica-routed (model app). Writes: 401 anonymous, 405 authenticated.
 */
export const repositoryRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/repository/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['treeherder'],
        summary: 'Active repositories',
        response: { 200: { type: 'array', items: repositorySchema } },
      },
    },
    async () => (await app.db.query(`${SELECT} ORDER BY r.id`)).rows,
  );

  app.get<{ Params: { id: string } }>(
    '/api/repository/:id/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['treeherder'],
        summary: 'One active repository',
        params: idParamsSchema,
        response: { 200: repositorySchema },
      },
    },
    async (request) => {
      const id = intIdParam(request.params.id);
      if (id === undefined) throw notFoundBody({ detail: 'Not found.' });
      const { rows } = await app.db.query(`${SELECT} AND r.id = $1`, [id]);
      if (rows.length === 0) throw notFound('Repository');
      return rows[0];
    },
  );

  refuseWrites(app, '/api/repository/');
  refuseWrites(app, '/api/repository/:id/');
};
