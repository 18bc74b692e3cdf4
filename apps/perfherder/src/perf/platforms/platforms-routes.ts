import type { FastifyPluginAsync } from 'fastify';
import { asList, last } from '../../http/query-params.ts';
import {
  intColumnList,
  intervalCutoffSql,
  invalidInteger,
  parseInterval,
  projectParamsSchema,
  repeatedParam,
} from '../signatures/series-params.ts';

/**
 * Spec 3.2: the distinct platform names of a repository's signatures. An unknown project gives `[]`
 * (as in the reference: the signatures are joined by repository name). Replica-routed.
 */
export const platformsRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { project: string }; Querystring: Record<string, string[] | undefined> }>(
    '/api/project/:project/performance/platforms/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: 'Platforms that have performance signatures in a repository',
        params: projectParamsSchema,
        querystring: {
          type: 'object',
          properties: {
            interval: repeatedParam('Seconds: signatures updated since now - interval (UTC)'),
            framework: repeatedParam('Framework ids'),
          },
        },
        response: { 200: { type: 'array', items: { type: 'string' } } },
      },
    },
    async (request) => {
      const q = request.query;
      const params: unknown[] = [request.params.project];
      const where: string[] = [];
      const interval = parseInterval(last(q.interval));
      if (interval !== undefined) {
        params.push(interval);
        where.push(`s.last_updated >= ${intervalCutoffSql(`$${params.length}`)}`);
      }
      const frameworks = asList(q.framework);
      if (frameworks.length > 0) {
        params.push(intColumnList('framework', frameworks, () => invalidInteger('framework')));
        where.push(`s.framework_id = ANY($${params.length}::int[])`);
      }
      const { rows }: { rows: { platform: string }[] } = await app.db.query(
        `SELECT DISTINCT mp.platform
         FROM repository r
         JOIN performance_signature s ON s.repository_id = r.id
         JOIN machine_platform mp ON mp.id = s.platform_id
         WHERE r.name = $1${where.map((w) => ` AND ${w}`).join('')}
         ORDER BY mp.platform`,
        params,
      );
      return rows.map((row) => row.platform);
    },
  );
};
