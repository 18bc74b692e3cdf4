import type { FastifyPluginAsync } from 'fastify';
import { refuseWrites } from '../../auth/refuse-writes.ts';
import { last } from '../../http/query-params.ts';
import { parseDateParam } from '../../perf/signatures/date-param.ts';
import { isoSql } from '../../perf/summary/iso-datetime.ts';

const entrySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    remote_id: { type: 'string' },
    date: { type: 'string' },
    author: { type: 'string' },
    message: { type: 'string' },
    description: { type: 'string' },
    owner: { type: 'string' },
    project: { type: 'string' },
    project_url: { type: 'string' },
    type: { type: 'string' },
    url: { type: 'string' },
    files: { type: 'array', items: { type: 'string' } },
  },
  // Every key, in order (fast-json-stringify writes required keys first).
  required: [
    'id',
    'remote_id',
    'date',
    'author',
    'message',
    'description',
    'owner',
    'project',
    'project_url',
    'type',
    'url',
    'files',
  ],
} as const;

/** The reference's default window: entries of the last 15 days. */
const DEFAULT_DAYS = 15;

/**
 * treeherder-core-api.md section 6.1: changelog entries from `startdate` (default: 15 days ago) up to
 * `enddate` (optional, inclusive; a bare date is that day's midnight), oldest first, with their file
 * names. Dates are read as Django reads a DateTimeField lookup; a malformed one is a 400 (the reference:
 * 500). On the primary: the changelog tables are their own app, which the replica allow-list leaves out.
 */
export const changelogRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: Record<string, unknown> }>(
    '/api/changelog/',
    {
      schema: {
        tags: ['treeherder'],
        summary: 'Changelog entries in a date window',
        querystring: {
          type: 'object',
          properties: { startdate: { type: 'string' }, enddate: { type: 'string' } },
        },
        response: { 200: { type: 'array', items: entrySchema } },
      },
    },
    async (request) => {
      const start = parseDateParam('startdate', last(request.query.startdate));
      const end = parseDateParam('enddate', last(request.query.enddate));
      const params: unknown[] = [start ?? null, DEFAULT_DAYS];
      let where = `e.date >= coalesce($1::timestamptz, now() - make_interval(days => $2))`;
      if (end !== undefined) {
        params.push(end);
        where += ' AND e.date <= $3::timestamptz';
      }
      const { rows } = await app.db.query(
        `SELECT e.id, e.remote_id, ${isoSql('e.date')} AS date, e.author, e.message, e.description, e.owner,
                e.project, e.project_url, e.type, e.url,
                coalesce((SELECT json_agg(f.name ORDER BY f.id) FROM changelog_file f WHERE f.changelog_id = e.id),
                         '[]'::json) AS files
         FROM changelog_entry e WHERE ${where}
         ORDER BY e.date, e.id`,
        params,
      );
      return rows;
    },
  );
  refuseWrites(app, '/api/changelog/');
};
