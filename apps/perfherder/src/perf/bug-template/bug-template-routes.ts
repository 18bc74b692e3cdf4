import type { FastifyPluginAsync } from 'fastify';
import { idParamsSchema, intIdParam, pathId } from '../../http/integer-param.ts';
import { asList, orderingTerms } from '../../http/query-params.ts';
import { badRequest, notFound } from '../../http/service-errors.ts';

/** The serializer's fields, in output order; each is also a column of `performance_bug_template`. */
const FIELDS = [
  'framework',
  'keywords',
  'status_whiteboard',
  'default_component',
  'default_product',
  'cc_list',
  'text',
  'critical_text',
  'no_action_required_text',
] as const;

const COLUMN: Readonly<Record<string, string>> = Object.fromEntries(
  FIELDS.map((f) => [f, f === 'framework' ? 't.framework_id' : `t.${f}`]),
);

const SELECT = `SELECT ${FIELDS.map((f) => `${COLUMN[f]} AS ${f}`).join(', ')} FROM performance_bug_template t`;

const templateSchema = {
  type: 'object',
  properties: Object.fromEntries(
    FIELDS.map((f) => [f, f === 'framework' ? { type: 'integer' } : { type: 'string' }]),
  ),
  required: [...FIELDS],
} as const;

const querystring = {
  type: 'object',
  properties: {
    framework: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    ordering: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  },
} as const;

interface Query {
  framework?: string | string[];
  ordering?: string | string[];
}

const INVALID_FRAMEWORK = {
  framework: ['Select a valid choice. That choice is not one of the available choices.'],
};

/**
 * DRF's OrderingFilter: `?ordering=a,-b` over the serializer's fields; unknown terms are dropped. The
 * default (no valid term) is insertion order, i.e. id; id also breaks ties.
 */
function orderBy(value: unknown): string {
  return [...orderingTerms(value, COLUMN), 't.id'].join(', ');
}

/**
 * django-filter's `framework` ModelChoiceFilter: a non-integer or unknown framework is a 400 in the
 * reference's words. Returns undefined when the filter is absent or blank.
 */
function frameworkFilter(value: unknown): number | undefined {
  const raw = asList(value).at(-1)?.trim();
  if (raw === undefined || raw === '') return undefined;
  // Not an id of the integer column: no framework can be that choice.
  const id = intIdParam(raw);
  if (id === undefined || id < 0) throw badRequest(INVALID_FRAMEWORK);
  return id;
}

/**
 * Spec 3.6: performance bug templates (no `id` in the output), `?framework=` (exact), `?ordering=`,
 * insertion order by default. Replica-routed. One query per request: with `?framework=` the framework
 * row is joined so an unknown framework is told apart from one without a template.
 */
export const bugTemplateRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: Query }>(
    '/api/performance/bug-template/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: 'Performance bug templates',
        querystring,
        response: { 200: { type: 'array', items: templateSchema } },
      },
    },
    async (request) => {
      const framework = frameworkFilter(request.query.framework);
      const order = orderBy(request.query.ordering);
      if (framework === undefined) {
        return (await app.db.query(`${SELECT} ORDER BY ${order}`)).rows;
      }
      const { rows } = await app.db.query(
        `SELECT f.id AS framework_exists, b.* FROM performance_framework f
         LEFT JOIN LATERAL (${SELECT} WHERE t.framework_id = f.id ORDER BY ${order}) b ON true
         WHERE f.id = $1`,
        [framework],
      );
      if (rows.length === 0) throw badRequest(INVALID_FRAMEWORK);
      return rows.filter((r: Record<string, unknown>) => r.framework !== null);
    },
  );

  app.get<{ Params: { id: string }; Querystring: Query }>(
    '/api/performance/bug-template/:id/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: 'One performance bug template',
        params: idParamsSchema,
        querystring,
        response: { 200: templateSchema },
      },
    },
    async (request) => {
      const framework = frameworkFilter(request.query.framework);
      const id = pathId(request.params.id, 'PerformanceBugTemplate');
      const { rows } = await app.db.query(
        `SELECT f.id AS framework_exists, b.* FROM (SELECT 1) one
         LEFT JOIN performance_framework f ON f.id = $2
         LEFT JOIN LATERAL (${SELECT} WHERE t.id = $1 AND ($2::int IS NULL OR t.framework_id = $2)) b ON true`,
        [id, framework ?? null],
      );
      const row = rows[0];
      if (framework !== undefined && row?.framework_exists == null) throw badRequest(INVALID_FRAMEWORK);
      if (!row || row.framework === null) throw notFound('PerformanceBugTemplate');
      return row;
    },
  );
};
