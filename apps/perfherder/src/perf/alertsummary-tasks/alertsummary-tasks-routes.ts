import type { FastifyPluginAsync } from 'fastify';
import { checkIntegerRange, drfInt } from '../../http/integer-param.ts';
import { asList } from '../../http/query-params.ts';
import { badRequest } from '../../http/service-errors.ts';

const NOT_FOUND = { message: ['PerformanceAlertSummary does not exist.'] };

/**
 * The summary row and its tasks. Each step is an index lookup, so the cost follows the summary's data,
 * not the tables' sizes:
 *
 * - the series of the summary's alerts and of its related alerts as a UNION ALL of two index lookups
 *   (performance_alert_uniq leads with summary_id; performance_alert_related_summary_id_idx), where
 *   `summary_id = s.id OR related_summary_id = s.id` could only filter a scan of the whole table;
 *   duplicates do not matter under IN;
 * - their datums' distinct job ids, from the datum index (a job carries many datums);
 * - each job's job type by primary key, once per job (a scalar subquery, which stays an index lookup
 *   whatever the planner estimates; it was a hash join over the whole `job` table), NULL for a datum
 *   without a job, as the LEFT JOINs gave;
 * - the distinct names of those job types, sorted (NULLs last, as before).
 */
export const ALERT_SUMMARY_TASKS_SQL = `SELECT s.id, ARRAY(
           SELECT DISTINCT jt.name
           FROM (
             SELECT DISTINCT (SELECT j.job_type_id FROM job j WHERE j.id = dj.job_id) AS job_type_id
             FROM (
               SELECT DISTINCT d.job_id
               FROM performance_datum d
               WHERE d.signature_id IN (
                 SELECT a.series_signature_id FROM performance_alert a WHERE a.summary_id = s.id
                 UNION ALL
                 SELECT a.series_signature_id FROM performance_alert a WHERE a.related_summary_id = s.id
               )
             ) dj
           ) t
           LEFT JOIN job_type jt ON jt.id = t.job_type_id
           ORDER BY jt.name
         ) AS tasks
         FROM performance_alert_summary s
         WHERE s.id = $1`;

/**
 * Spec 3.10: the distinct job-type names of every datum (any repository, any time) of the series the
 * summary's alerts and related alerts point at, sorted. One query ({@link ALERT_SUMMARY_TASKS_SQL}): the
 * summary row, and its tasks as an array built by a correlated subquery (NULL for a datum without a job,
 * sorted last, like the reference). Replica-routed.
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
      const n = drfInt(raw);
      if (n === undefined) throw badRequest({ id: ['A valid integer is required.'] });
      const id = Number(checkIntegerRange('id', n));
      const { rows } = await app.db.query(ALERT_SUMMARY_TASKS_SQL, [id]);
      if (rows.length === 0) throw badRequest(NOT_FOUND);
      return { id, tasks: rows[0].tasks };
    },
  );
};
