import type { FastifyPluginAsync } from 'fastify';
import { checkIntegerRange, pyInt } from '../../http/integer-param.ts';
import { asList } from '../../http/query-params.ts';
import { badRequest } from '../../http/service-errors.ts';

interface HealthRow {
  test: string;
  suite: string;
  platforms: string;
  repositories: string;
  total_alerts: number;
  total_regressions: number;
  total_untriaged: number;
}

const rowSchema = {
  type: 'object',
  properties: {
    test: { type: 'string' },
    suite: { type: 'string' },
    platforms: { type: 'array', items: { type: 'string' } },
    repositories: { type: 'array', items: { type: 'string' } },
    total_alerts: { type: 'integer' },
    total_regressions: { type: 'integer' },
    total_untriaged: { type: 'integer' },
  },
  required: [
    'test',
    'suite',
    'platforms',
    'repositories',
    'total_alerts',
    'total_regressions',
    'total_untriaged',
  ],
} as const;

/**
 * Spec 3.11 (TestSuiteHealth): top-level signatures of one framework grouped by (suite, test), with the
 * distinct repository and platform ids (as strings, like the reference's comma-joined aggregate split
 * on ",") and alert counts. The reference's MySQL-only GROUP_CONCAT becomes `string_agg(DISTINCT …)`.
 * Replica-routed.
 *
 * `framework` missing or blank matches nothing (`framework_id IS NULL`), so the answer is `[]` without a
 * query. A non-integer framework is a 400 here (the reference fails with a 500).
 */
export const validityDashboardRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { framework?: string | string[] } }>(
    '/api/performance/validity-dashboard/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: 'Test-suite health: alert counts per suite and test of a framework',
        querystring: {
          type: 'object',
          properties: {
            framework: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
          },
        },
        response: { 200: { type: 'array', items: rowSchema } },
      },
    },
    async (request) => {
      const raw = asList(request.query.framework).at(-1)?.trim();
      if (raw === undefined || raw === '') return [];
      const n = pyInt(raw);
      if (n === undefined) throw badRequest({ framework: ['A valid integer is required.'] });
      const framework = Number(checkIntegerRange('framework', n));
      const { rows } = await app.db.query<HealthRow>(
        `SELECT s.test, s.suite,
           string_agg(DISTINCT s.platform_id::text, ',' ORDER BY s.platform_id::text) AS platforms,
           string_agg(DISTINCT s.repository_id::text, ',' ORDER BY s.repository_id::text) AS repositories,
           count(a.id)::int AS total_alerts,
           count(a.id) FILTER (WHERE a.is_regression)::int AS total_regressions,
           count(a.id) FILTER (WHERE a.status = 0)::int AS total_untriaged
         FROM performance_signature s
         LEFT JOIN performance_alert a ON a.series_signature_id = s.id
         WHERE s.framework_id = $1 AND s.parent_signature_id IS NULL
         GROUP BY s.suite, s.test
         ORDER BY s.suite, s.test`,
        [framework],
      );
      return rows.map((r) => ({
        test: r.test,
        suite: r.suite,
        platforms: r.platforms.split(','),
        repositories: r.repositories.split(','),
        total_alerts: r.total_alerts,
        total_regressions: r.total_regressions,
        total_untriaged: r.total_untriaged,
      }));
    },
  );
};
