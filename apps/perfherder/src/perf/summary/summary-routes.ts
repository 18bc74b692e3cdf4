import type { FastifyPluginAsync } from 'fastify';
import { badRequest } from '../../http/service-errors.ts';
import { type FieldErrors, parseSummaryParams } from './summary-params.ts';
import { summaryStatement, summaryWindowCrossed } from './summary-query.ts';

const nullable = (type: string) => ({ type: [type, 'null'] });

const datumSchema = {
  type: 'object',
  properties: {
    job_id: nullable('integer'),
    id: { type: 'integer' },
    value: { type: 'number' },
    push_timestamp: { type: 'string' },
    push_id: { type: 'integer' },
    revision: { type: 'string' },
    submit_time: nullable('string'),
    machine_name: nullable('string'),
  },
} as const;

const itemSchema = {
  type: 'object',
  properties: {
    signature_id: { type: 'integer' },
    framework_id: { type: 'integer' },
    signature_hash: { type: 'string' },
    platform: { type: 'string' },
    test: { type: 'string' },
    suite: { type: 'string' },
    lower_is_better: { type: 'boolean' },
    has_subtests: { type: 'boolean' },
    tags: { type: 'string', description: 'space-separated, as stored' },
    values: { type: 'array', items: { type: 'number' }, description: '2 decimal places, half-even' },
    name: { type: 'string' },
    parent_signature: nullable('integer'),
    job_ids: { type: 'array', items: nullable('integer') },
    repository_name: { type: 'string' },
    repository_id: { type: 'integer' },
    data: { type: 'array', items: datumSchema },
    measurement_unit: nullable('string'),
    application: { type: 'string' },
    should_alert: nullable('boolean'),
    alert_change_type: nullable('integer'),
    alert_threshold: nullable('number'),
    submit_times: { type: 'array', items: nullable('string') },
  },
} as const;

const anyString = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const PARAMS = [
  'repository',
  'startday',
  'endday',
  'revision',
  'framework',
  'interval',
  'parent_signature',
  'signature',
  'no_subtests',
  'all_data',
  'replicates',
  'no_retriggers',
];

/**
 * Spec 3.9 (PerformanceSummary): per-signature series in one of two shapes (parallel `values`/`job_ids`/
 * `submit_times`, or `data` rows with `signature` + `all_data`), with replicates, retrigger filtering and
 * the `should_alert` parent rule. Replica-routed; one statement per request, which builds the answer's
 * JSON text (one more only on a 400 that must say whether the repository exists).
 */
export const summaryRoutes: FastifyPluginAsync = async (app) => {
  async function repositoryExists(name: string): Promise<boolean> {
    const { rows } = await app.db.query('SELECT 1 FROM repository WHERE name = $1', [name]);
    return rows.length > 0;
  }
  const doesNotExist = (name: string) => [`${name} does not exist.`];

  app.get<{ Querystring: Record<string, string | string[]> }>(
    '/api/performance/summary/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: 'Performance series of a repository, by revision, interval or date range',
        querystring: { type: 'object', properties: Object.fromEntries(PARAMS.map((n) => [n, anyString])) },
        response: { 200: { type: 'array', items: itemSchema } },
      },
    },
    async (request, reply) => {
      const parsed = parseSummaryParams(request.query);
      if (!parsed.ok) {
        const errors: FieldErrors = { ...parsed.errors };
        if (parsed.repository !== null && !(await repositoryExists(parsed.repository))) {
          errors.repository = doesNotExist(parsed.repository);
        }
        throw badRequest(errors);
      }
      const p = parsed.params;
      // The serializer's cross-field rule, and (deliberate 4xx) the reference's 500s when the datum filter
      // would compare with a missing bound. Field errors (the repository) come first, as in DRF.
      let rule: string | undefined;
      if (p.revision === null && p.interval === null && (p.startday === null || p.endday === null)) {
        rule = 'Required: revision, startday and endday or interval.';
      } else if (
        p.revision === null &&
        !(p.interval && p.startday === null && p.endday === null) &&
        (p.startday === null || p.endday === null)
      ) {
        rule =
          p.startday === null && p.endday === null
            ? 'Required: revision, startday and endday or a non-zero interval.'
            : 'startday and endday must be given together.';
      }
      if (rule !== undefined) {
        if (!(await repositoryExists(p.repository)))
          throw badRequest({ repository: doesNotExist(p.repository) });
        throw badRequest({ non_field_errors: [rule] });
      }
      // The JSON text built in PostgreSQL, sent as it is (bytes bypass the response schema's serializer,
      // which documents the shape), or again from the answer memo while the database proves it current.
      const { text, args, cutoff } = summaryStatement(p, Date.now());
      const sent = await app.answerMemo.send(app.db, request, reply, {
        key: `summary ${JSON.stringify(p)}`,
        text,
        values: args,
        window:
          cutoff === null
            ? null
            : { cutoff, crossed: (arg, older, newer) => summaryWindowCrossed(p, arg, older, newer) },
      });
      if (sent === null) throw badRequest({ repository: doesNotExist(p.repository) });
      return sent;
    },
  );
};
