import type { FastifyPluginAsync } from 'fastify';
import { idParamsSchema, pathId } from '../../http/integer-param.ts';
import { orderingTerms } from '../../http/query-params.ts';
import { notFound } from '../../http/service-errors.ts';

const trackerSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, text: { type: 'string' }, issue_tracker_url: { type: 'string' } },
  required: ['id', 'text', 'issue_tracker_url'],
} as const;

const SELECT = 'SELECT id, name AS text, task_base_url AS issue_tracker_url FROM issue_tracker';

/** OrderingFilter over the serializer fields (by their source columns); the default ordering is id. */
const COLUMN: Readonly<Record<string, string>> = {
  id: 'id',
  text: 'name',
  issue_tracker_url: 'task_base_url',
};

function orderBy(value: unknown): string {
  return [...orderingTerms(value, COLUMN), 'id'].join(', ');
}

/** Spec 3.7: issue trackers `{id, text, issue_tracker_url}`, ordered by id. Replica-routed. */
export const issueTrackerRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { ordering?: string | string[] } }>(
    '/api/performance/issue-tracker/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: 'Issue trackers',
        querystring: {
          type: 'object',
          properties: {
            ordering: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
          },
        },
        response: { 200: { type: 'array', items: trackerSchema } },
      },
    },
    async (request) => (await app.db.query(`${SELECT} ORDER BY ${orderBy(request.query.ordering)}`)).rows,
  );

  app.get<{ Params: { id: string } }>(
    '/api/performance/issue-tracker/:id/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: 'One issue tracker',
        params: idParamsSchema,
        response: { 200: trackerSchema },
      },
    },
    async (request) => {
      const id = pathId(request.params.id, 'IssueTracker');
      const { rows } = await app.db.query(`${SELECT} WHERE id = $1`, [id]);
      if (rows.length === 0) throw notFound('IssueTracker');
      return rows[0];
    },
  );
};
