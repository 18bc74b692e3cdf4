import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { BEARER_SECURITY, staffOnly } from '../../auth/auth-plugin.ts';
import type { Queryable } from '../../db/queryable.ts';
import { idParamsSchema, pathId } from '../../http/integer-param.ts';
import { badRequest, notFound } from '../../http/service-errors.ts';
import { dueDateOffsets, inTransaction, lockSummaries, updateSummaryStatus } from '../alert-status/index.ts';
import { updateAlertSummary } from './alert-summary-update.ts';
import { type FieldErrors, hasErrors, invalidPk } from './drf-fields.ts';
import { loadSummaries } from './serialize-summary.ts';

const IDENTICAL_PUSHES = 'IDs of push & previous push cannot be identical';

const writableFields = {
  type: 'object',
  description: 'Every field is optional; unknown fields are ignored. Validation errors are DRF field errors.',
  properties: {
    status: { description: 'Summary status 0-9' },
    bug_number: {
      description: 'Bug number (≥ 0) or null; a new number sets bug_updated=now, bug_status=null',
    },
    bug_status: { description: 'Bug status 0-8 or null' },
    bug_updated: { description: 'ISO 8601 datetime or null' },
    issue_tracker: { description: 'Issue tracker id' },
    notes: { description: 'Text or null' },
    revision: { description: "Revision of the new push, in the summary's repository" },
    prev_push_revision: { description: "Revision of the previous push, in the summary's repository" },
    assignee_username: { description: 'Username of an existing user, or null' },
    performance_tags: { description: 'Names of existing tags; replaces the set' },
  },
} as const;

/** A summary id from the path, or 404 (the reference's `get_object`). */
function summaryId(request: FastifyRequest<{ Params: { id: string } }>): number {
  return pathId(request.params.id, 'PerformanceAlertSummary');
}

/** The viewset's base queryset: summaries of active repositories only. */
async function assertVisible(db: Queryable, id: number): Promise<void> {
  const { rows } = await db.query(
    `SELECT 1 FROM performance_alert_summary s JOIN repository r ON r.id = s.repository_id
      WHERE s.id = $1 AND r.active_status = 'active'`,
    [id],
  );
  if (rows.length === 0) throw notFound('PerformanceAlertSummary');
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const type = Array.isArray(body) ? 'list' : body === null ? 'NoneType' : typeof body;
    throw badRequest({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`] });
  }
  return body as Record<string, unknown>;
}

/**
 * Spec 3.13 writes, staff only (bearer token), on the primary in one transaction each:
 * POST (idempotent get-or-create), PUT/PATCH (status recompute, then the writable fields) and DELETE.
 */
export const alertSummaryWriteRoutes: FastifyPluginAsync = async (app) => {
  app.post(
    '/api/performance/alertsummary/',
    {
      onRequest: staffOnly,
      schema: {
        tags: ['performance'],
        summary: 'Get or create a manual alert summary (staff)',
        security: BEARER_SECURITY,
        body: {
          type: 'object',
          required: ['repository_id', 'framework_id', 'push_id', 'prev_push_id'],
          properties: {
            repository_id: { type: 'integer' },
            framework_id: { type: 'integer' },
            push_id: { type: 'integer' },
            prev_push_id: { type: 'integer' },
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body as Record<
        'repository_id' | 'framework_id' | 'push_id' | 'prev_push_id',
        number
      >;
      if (body.push_id === body.prev_push_id) {
        // The reference answers a bare JSON string here.
        return reply.code(400).type('application/json; charset=utf-8').send(JSON.stringify(IDENTICAL_PUSHES));
      }
      const id = await inTransaction(app.db, async (client) => {
        const { rows } = await client.query(
          `SELECT EXISTS (SELECT 1 FROM repository WHERE id = $1) AS repository,
                  EXISTS (SELECT 1 FROM performance_framework WHERE id = $2) AS framework,
                  EXISTS (SELECT 1 FROM push WHERE id = $3) AS push,
                  EXISTS (SELECT 1 FROM push WHERE id = $4) AS prev_push, now() AS now`,
          [body.repository_id, body.framework_id, body.push_id, body.prev_push_id],
        );
        const found = rows[0];
        const errors: FieldErrors = {};
        if (!found.repository) invalidPk(errors, 'repository_id', body.repository_id);
        if (!found.framework) invalidPk(errors, 'framework_id', body.framework_id);
        if (!found.push) invalidPk(errors, 'push_id', body.push_id);
        if (!found.prev_push) invalidPk(errors, 'prev_push_id', body.prev_push_id);
        if (hasErrors(errors)) throw badRequest(errors);
        const key = [body.repository_id, body.framework_id, body.push_id, body.prev_push_id];
        const lookup = () =>
          client.query(
            `SELECT id FROM performance_alert_summary
              WHERE repository_id = $1 AND framework_id = $2 AND push_id = $3 AND prev_push_id = $4
              ORDER BY id LIMIT 1`,
            key,
          );
        const existing = await lookup();
        if (existing.rows[0]) return existing.rows[0].id as number;
        const { triageDays, bugDays } = dueDateOffsets(found.now);
        const inserted = await client.query(
          `INSERT INTO performance_alert_summary
             (repository_id, framework_id, push_id, prev_push_id, original_push_id, original_prev_push_id,
              manually_created, created, last_updated, triage_due_date, bug_due_date)
           VALUES ($1, $2, $3, $4, $3, $4, true, now(), now(),
                   now() + make_interval(days => $5::integer), now() + make_interval(days => $6::integer))
           ON CONFLICT ON CONSTRAINT performance_alert_summary_uniq DO NOTHING
           RETURNING id`,
          [...key, triageDays, bugDays],
        );
        // A concurrent POST won the insert: answer its row, as get_or_create does.
        return (inserted.rows[0] ?? (await lookup()).rows[0]).id as number;
      });
      return { alert_summary_id: id };
    },
  );

  const update = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const id = summaryId(request);
    const body = bodyObject(request.body);
    await assertVisible(app.db, id);
    return inTransaction(app.db, async (client) => {
      const summary = (await lockSummaries(client, [id])).get(id);
      if (!summary) throw notFound('PerformanceAlertSummary');
      // The reference's view recomputes the status from the alerts before the serializer update.
      const status = await updateSummaryStatus(client, summary);
      await updateAlertSummary(client, { ...summary, status }, body);
      const [json] = await loadSummaries(client, [id]);
      return json;
    });
  };
  for (const method of ['PUT', 'PATCH'] as const) {
    app.route<{ Params: { id: string } }>({
      method,
      url: '/api/performance/alertsummary/:id/',
      onRequest: staffOnly,
      schema: {
        tags: ['performance'],
        summary: `Update an alert summary (staff; ${method === 'PUT' ? 'all fields optional' : 'partial'})`,
        security: BEARER_SECURITY,
        params: idParamsSchema,
        body: writableFields,
      },
      handler: update,
    });
  }

  app.delete<{ Params: { id: string } }>(
    '/api/performance/alertsummary/:id/',
    {
      onRequest: staffOnly,
      schema: {
        tags: ['performance'],
        summary: 'Delete an alert summary and its alerts (staff)',
        security: BEARER_SECURITY,
        params: idParamsSchema,
      },
    },
    async (request, reply: FastifyReply) => {
      const id = summaryId(request);
      await assertVisible(app.db, id);
      await inTransaction(app.db, async (client) => {
        await lockSummaries(client, [id]);
        // ON DELETE CASCADE removes its alerts, alerts related to it, tags and backfill rows.
        const { rowCount } = await client.query('DELETE FROM performance_alert_summary WHERE id = $1', [id]);
        if (rowCount === 0) throw notFound('PerformanceAlertSummary');
      });
      return reply.code(204).send();
    },
  );
};
