import type { FastifyPluginAsync } from 'fastify';
import { refuseWrites } from '../../auth/refuse-writes.ts';
import { idParamsSchema, intIdParam } from '../../http/integer-param.ts';
import { notFoundBody } from '../../http/service-errors.ts';
import { projectParamsSchema } from '../../perf/signatures/series-params.ts';
import { parsePushListParams } from './push-list-params.ts';
import { pushSchema, selectPushes } from './push-query.ts';

const listSchema = {
  type: 'object',
  properties: {
    meta: {
      type: 'object',
      description:
        'The non-empty fromchange, tochange, startdate, enddate, revision and commit_revision as given, ' +
        'then count (pushes returned), repository (the project or "all") and filter_params.',
      additionalProperties: true,
    },
    results: { type: 'array', items: pushSchema },
  },
  required: ['meta', 'results'],
} as const;

/**
 * treeherder-core-api.md section 4: a project's pushes, newest first, with every filter the Perfherder
 * UI and PerfCompare send, and one push by id. Replica-routed (model app).
 */
export const pushRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { project: string }; Querystring: Record<string, unknown> }>(
    '/api/project/:project/push/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['treeherder'],
        summary: "A project's pushes, newest first (count default 10, at most 1000)",
        params: projectParamsSchema,
        response: { 200: listSchema },
      },
    },
    async (request) => {
      const q = await parsePushListParams(app.db, request.params.project, request.query);
      const results = await selectPushes(
        app.db,
        q.where.join(' AND ') || 'true',
        q.params,
        q.count,
        q.searchCte,
      );
      return {
        meta: { ...q.echoed, count: results.length, repository: q.repository, filter_params: q.filterParams },
        results,
      };
    },
  );

  app.get<{ Params: { project: string; id: string } }>(
    '/api/project/:project/push/:id/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['treeherder'],
        summary: 'One push of a project',
        params: {
          type: 'object',
          properties: { ...projectParamsSchema.properties, ...idParamsSchema.properties },
          required: ['project', 'id'],
        },
        response: { 200: pushSchema },
      },
    },
    async (request) => {
      const { project, id } = request.params;
      // A bare JSON string, as the reference answers; also for a non-integer id (the reference: 500).
      const missing = () => notFoundBody(`No push with id: ${id}`);
      const pushId = intIdParam(id);
      if (pushId === undefined) throw missing();
      const [push] = await selectPushes(
        app.db,
        'p.id = $1 AND p.repository_id = (SELECT r.id FROM repository r WHERE r.name = $2)',
        [pushId, project],
        1,
      );
      if (!push) throw missing();
      return push;
    },
  );

  refuseWrites(app, '/api/project/:project/push/');
  refuseWrites(app, '/api/project/:project/push/:id/');
};
