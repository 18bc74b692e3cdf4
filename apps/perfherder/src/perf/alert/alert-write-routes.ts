import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { BEARER_SECURITY, staffOnly, staffUser } from '../../auth/auth-plugin.ts';
import { idParamsSchema, pathId } from '../../http/integer-param.ts';
import { badRequest, notFound } from '../../http/service-errors.ts';
import { inTransaction, lockSummaries, updateSummaryStatus } from '../alert-status/index.ts';
import { type FieldErrors, hasErrors, integerField } from '../alert-summary/drf-fields.ts';
import { loadAlerts } from '../alert-summary/serialize-alert.ts';
import { createManualAlert } from './create-manual-alert.ts';
import { updateAlert } from './update-alert.ts';

const writableFields = {
  type: 'object',
  description:
    'Every field is optional; the request user becomes the classifier. With push_id/prev_push_id the ' +
    'request is a "nudge", which is disabled (400).',
  properties: {
    status: { description: 'Alert status 0-5; 1 (Downstream) and 2 (Reassigned) need related_summary_id' },
    is_regression: { description: 'Boolean' },
    starred: { description: 'Boolean' },
    manually_created: { description: 'Boolean' },
    summary_id: { description: 'Id of an existing alert summary' },
    related_summary_id: { description: 'Id of an existing alert summary, or null' },
  },
} as const;

function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const type = Array.isArray(body) ? 'list' : body === null ? 'NoneType' : typeof body;
    throw badRequest({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`] });
  }
  return body as Record<string, unknown>;
}

/** Python truthiness of a JSON value, for the view's `all([push_id, prev_push_id])`. */
const truthy = (value: unknown) =>
  !(value === null || value === undefined || value === false || value === 0 || value === '') &&
  !(Array.isArray(value) && value.length === 0);

/**
 * Spec 3.14 writes, staff only (bearer token), each in one transaction on the primary: POST (a manual
 * alert computed from the series around the summary), PUT/PATCH (triage) and DELETE.
 */
export const alertWriteRoutes: FastifyPluginAsync = async (app) => {
  app.post(
    '/api/performance/alert/',
    {
      onRequest: staffOnly,
      schema: {
        tags: ['performance'],
        summary: 'Create a manual alert for a signature on a summary (staff)',
        security: BEARER_SECURITY,
        body: {
          type: 'object',
          properties: {
            summary_id: { description: 'Alert summary id' },
            signature_id: { description: 'Performance signature id' },
          },
        },
      },
    },
    async (request) => {
      const body = objectBody(request.body);
      if (!Object.hasOwn(body, 'summary_id') || !Object.hasOwn(body, 'signature_id')) {
        throw badRequest({ message: 'Summary and signature ids necessary to create alert' });
      }
      const errors: FieldErrors = {};
      const summaryId = integerField(errors, 'summary_id', body.summary_id);
      const signatureId = integerField(errors, 'signature_id', body.signature_id);
      if (hasErrors(errors) || typeof summaryId !== 'number' || typeof signatureId !== 'number') {
        throw badRequest(errors);
      }
      const alertId = await inTransaction(app.db, (client) =>
        createManualAlert(client, summaryId, signatureId),
      );
      return { alert_id: alertId };
    },
  );

  const update = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const alertId = pathId(request.params.id, 'PerformanceAlert');
    const body = objectBody(request.body);
    const pushId = body.push_id ?? null;
    const prevPushId = body.prev_push_id ?? null;
    if (pushId !== null || prevPushId !== null) {
      const { rows } = await app.db.query(
        `SELECT s.push_id FROM performance_alert a JOIN performance_alert_summary s ON s.id = a.summary_id
          WHERE a.id = $1`,
        [alertId],
      );
      if (!rows[0]) throw notFound('PerformanceAlert');
      if (truthy(pushId) && truthy(prevPushId) && rows[0].push_id !== pushId) {
        // The reference raises this with status 500; here it is the 400 its code asks for.
        throw badRequest({ detail: 'Nudging has been disabled' });
      }
      throw badRequest({ message: 'Incorrect push was provided' });
    }
    const user = staffUser(request);
    return inTransaction(app.db, async (client) => {
      await updateAlert(client, alertId, body, user);
      const [alert] = await loadAlerts(client, { alertIds: [alertId] });
      return alert;
    });
  };
  app.delete<{ Params: { id: string } }>(
    '/api/performance/alert/:id/',
    {
      onRequest: staffOnly,
      schema: {
        tags: ['performance'],
        summary: 'Delete an alert (staff); its summaries get their status recomputed',
        security: BEARER_SECURITY,
        params: idParamsSchema,
      },
    },
    async (request, reply: FastifyReply) => {
      const id = pathId(request.params.id, 'PerformanceAlert');
      await inTransaction(app.db, async (client) => {
        const { rows } = await client.query(
          'SELECT summary_id, related_summary_id FROM performance_alert WHERE id = $1',
          [id],
        );
        if (!rows[0]) throw notFound('PerformanceAlert');
        // Lock the summaries first (lower id first, as every alert write does), then delete, then let the
        // status rules see the alerts that remain.
        const summaries = await lockSummaries(
          client,
          [rows[0].summary_id, rows[0].related_summary_id].filter((x): x is number => x !== null),
        );
        await client.query('DELETE FROM performance_alert WHERE id = $1', [id]);
        for (const summary of summaries.values()) await updateSummaryStatus(client, summary);
      });
      return reply.code(204).send();
    },
  );

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route<{ Params: { id: string } }>({
      method,
      url: '/api/performance/alert/:id/',
      onRequest: staffOnly,
      schema: {
        tags: ['performance'],
        summary: `Triage an alert (staff; ${method === 'PUT' ? 'all fields optional' : 'partial'})`,
        security: BEARER_SECURITY,
        params: idParamsSchema,
        body: writableFields,
      },
      handler: update,
    });
  }
};
