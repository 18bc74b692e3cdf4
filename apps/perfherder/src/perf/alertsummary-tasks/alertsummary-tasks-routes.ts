import type { FastifyPluginAsync } from 'fastify';
import { asList } from '../../http/query-params.ts';
import { badRequest } from '../../http/service-errors.ts';

const INT4_MAX = 2147483647;

/** DRF IntegerField on query input: surrounding blanks and a `.0` tail are accepted. */
function drfInteger(raw: string): number | undefined {
  const m = /^\s*([+-]?\d+)(?:\.0*)?\s*$/.exec(raw);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

const NOT_FOUND = { message: ['PerformanceAlertSummary does not exist.'] };

/**
 * Spec 3.10: the distinct job-type names of every datum (any repository, any time) of the series the
 * summary's alerts and related alerts point at, sorted. One query: the summary row, and its tasks as an
 * array built by a correlated subquery (NULL for a datum without a job, sorted last, like the reference).
 * Replica-routed.
 */
export const alertSummaryTasksRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { id?: string | string[] } }>(
    '/api/performance/alertsummary-tasks/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: 'Job types (tasks) that produced the data of an alert summary',
        querystring: {
          type: 'object',
          properties: { id: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              tasks: { type: 'array', items: { type: ['string', 'null'] } },
            },
            required: ['id', 'tasks'],
          },
        },
      },
    },
    async (request) => {
      const raw = asList(request.query.id).at(-1);
      if (raw === undefined) throw badRequest({ id: ['This field is required.'] });
      const id = drfInteger(raw);
      if (id === undefined) throw badRequest({ id: ['A valid integer is required.'] });
      // No summary id lies outside the integer column's range.
      if (!Number.isSafeInteger(id) || id < -INT4_MAX - 1 || id > INT4_MAX) throw badRequest(NOT_FOUND);
      const { rows } = await app.db.query(
        `SELECT s.id, ARRAY(
           SELECT DISTINCT jt.name
           FROM performance_datum d
           LEFT JOIN job j ON j.id = d.job_id
           LEFT JOIN job_type jt ON jt.id = j.job_type_id
           WHERE d.signature_id IN (
             SELECT a.series_signature_id FROM performance_alert a
             WHERE a.summary_id = s.id OR a.related_summary_id = s.id
           )
           ORDER BY jt.name
         ) AS tasks
         FROM performance_alert_summary s
         WHERE s.id = $1`,
        [id],
      );
      if (rows.length === 0) throw badRequest(NOT_FOUND);
      return { id, tasks: rows[0].tasks };
    },
  );
};
