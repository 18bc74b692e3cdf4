import type { FastifyPluginAsync } from 'fastify';
import { refuseWrites } from '../../auth/refuse-writes.ts';
import { intervalCutoffSql } from '../../perf/signatures/series-params.ts';
import { parseInfraCompareParams } from './infracompare-params.ts';

const jobSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    duration: { type: 'integer' },
    job_type__name: { type: 'string' },
    result: { type: 'string' },
  },
  required: ['id', 'duration', 'job_type__name', 'result'],
} as const;

// Whole seconds, truncated: the reference's MySQL-era arithmetic fails on PostgreSQL (an interval).
const SELECT = `
  SELECT j.id, trunc(extract(epoch FROM j.end_time - j.start_time))::int AS duration,
         jt.name AS job_type__name, j.result
  FROM job j JOIN job_type jt ON jt.id = j.job_type_id`;

/**
 * treeherder-core-api.md section 7: the jobs of one push (`revision`: the first push with that revision
 * in `project`), or of `project` in a time window (`startday` < start < `endday`, or started within the
 * last `interval` seconds), with their durations. Replica-routed (model app).
 */
export const infraCompareRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: Record<string, unknown> }>(
    '/api/infracompare/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['treeherder'],
        summary: 'Jobs and durations of a push or a time window (infra compare)',
        querystring: {
          type: 'object',
          properties: {
            project: { type: 'string' },
            revision: { type: 'string' },
            interval: { type: 'string' },
            startday: { type: 'string' },
            endday: { type: 'string' },
          },
        },
        response: { 200: { type: 'array', items: jobSchema } },
      },
    },
    async (request) => {
      const { repositoryId, window } = await parseInfraCompareParams(app.db, request.query);
      if (window.kind === 'revision') {
        const { rows } = await app.db.query(
          `${SELECT}
           WHERE j.push_id = (SELECT p.id FROM push p WHERE p.repository_id = $1 AND p.revision = $2
                              ORDER BY p.id LIMIT 1)
           ORDER BY j.id`,
          [repositoryId, window.revision],
        );
        return rows;
      }
      if (window.kind === 'range') {
        const { rows } = await app.db.query(
          `${SELECT} WHERE j.repository_id = $1 AND j.start_time > $2::timestamptz AND j.start_time < $3::timestamptz
           ORDER BY j.id`,
          [repositoryId, window.startday, window.endday],
        );
        return rows;
      }
      const { rows } = await app.db.query(
        `${SELECT} WHERE j.repository_id = $1 AND j.start_time > ${intervalCutoffSql('$2')} ORDER BY j.id`,
        [repositoryId, window.seconds],
      );
      return rows;
    },
  );
  refuseWrites(app, '/api/infracompare/');
};
