import type { FastifyPluginAsync } from 'fastify';
import { markFixedAnswer } from '../../http/etag.ts';
import { INT8 } from '../../http/integer-param.ts';
import { asList, drfBoolean, last } from '../../http/query-params.ts';
import { badRequest } from '../../http/service-errors.ts';
import {
  DATUM_PUSHED_SINCE,
  intColumnList,
  invalidInteger,
  parseAfterRepository,
  projectParamsSchema,
  repeatedParam,
  repositoryMemoWindow,
  type StatementCutoff,
  timeWindowConditions,
  unknownProject,
  windowedStatementKey,
} from '../signatures/series-params.ts';
import { pyRound2 } from './py-round.ts';

/** One datum as `/data/` sends it. */
export interface DatumPoint {
  id: number;
  signature_id: number;
  job_id: number | null;
  push_id: number;
  revision: string;
  /** Unix seconds. */
  push_timestamp: number;
  value: number;
}

interface Filters {
  where: string[];
  params: unknown[];
  skipRetriggers: boolean;
  /** The `interval` cutoff, computed once per request (null without `interval`). */
  cutoff: StatementCutoff | null;
}

const datumSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    signature_id: { type: 'integer' },
    job_id: { type: ['integer', 'null'] },
    push_id: { type: 'integer' },
    revision: { type: 'string' },
    push_timestamp: { type: 'integer', description: 'Unix seconds' },
    value: { type: 'number', description: 'Rounded to 2 decimals' },
  },
  required: ['id', 'signature_id', 'job_id', 'push_id', 'revision', 'push_timestamp', 'value'],
} as const;

/**
 * DRF's `BooleanField.to_internal_value` as the reference calls it for `no_retriggers` (last value,
 * default false): an unknown spelling, including an empty value, is a 400 `["Must be a valid boolean."]`.
 */
function noRetriggers(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  try {
    if (raw !== '') return drfBoolean('no_retriggers', raw);
  } catch {
    // fall through to the reference's body
  }
  throw badRequest(['Must be a valid boolean.']);
}

/** The reference's checks and filters, in its order, as SQL conditions on `d` (datum), `s` and `r`. */
function datumFilters(q: Record<string, string[] | undefined>, project: string): Filters {
  const hashes = asList(q.signatures);
  const signatureIds = asList(q.signature_id);
  const pushIds = asList(q.push_id);
  const skipRetriggers = noRetriggers(last(q.no_retriggers));
  const jobIds = intColumnList(
    'job_id',
    asList(q.job_id),
    () => badRequest({ message: 'Job id(s) must be specified as integers' }),
    INT8,
  );
  if (!(signatureIds.length || hashes.length || pushIds.length || asList(q.job_id).length)) {
    throw badRequest(['Need to specify either signature_id, signatures, push_id, or job_id']);
  }
  if (signatureIds.length && hashes.length) {
    throw badRequest(["Can't specify both signature_id and signatures in same query"]);
  }

  const params: unknown[] = [project];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (hashes.length > 0) {
    where.push(
      `d.signature_id IN (SELECT hs.id FROM performance_signature hs
         WHERE hs.repository_id = r.id AND hs.signature_hash = ANY(${param(hashes)}::text[]))`,
    );
  } else if (signatureIds.length > 0) {
    const list = intColumnList('signature_id', signatureIds, () => invalidInteger('signature_id'));
    where.push(`d.signature_id = ANY(${param(list)}::int[])`);
  }
  if (pushIds.length > 0) {
    const list = intColumnList('push_id', pushIds, () => invalidInteger('push_id'));
    // The same condition on the push: its primary key finds the one row, where a hash join read every push.
    const pushes = param(list);
    where.push(`d.push_id = ANY(${pushes}::int[])`, `p.id = ANY(${pushes}::int[])`);
  }
  if (asList(q.job_id).length > 0) where.push(`d.job_id = ANY(${param(jobIds)}::bigint[])`);
  const frameworks = asList(q.framework);
  if (frameworks.length > 0) {
    const list = intColumnList('framework', frameworks, () => invalidInteger('framework'));
    where.push(`s.framework_id = ANY(${param(list)}::int[])`);
  }

  const window = timeWindowConditions(q, DATUM_PUSHED_SINCE, param);
  where.push(...window.where);

  return { where, params, skipRetriggers, cutoff: window.cutoff };
}

/**
 * A datum's value as `/data/` sends it, in SQL: the stored `value_json` (migration 0010: the shortest text of
 * the value rounded half-even to 2 decimals) where it is the same text as Python's `round(x, 2)` of the exact
 * double written as JavaScript writes a number, else `R` and the value's shortest text, for JavaScript to round
 * ({@link roundRawValues}). The two roundings differ only for a value within a few ulps of a tie at 2 decimals
 * (`x * 200` near an odd integer: the stored text rounded the decimal tie, Python rounds the double) or of a
 * magnitude where a cent is near an ulp; those, NaN and ±Infinity take the `R` path (a superset: the test
 * compares both paths on every such value and random ones). Saves a float8 text per datum and the JavaScript
 * pass over every value (0.7 ms for 954 datums).
 */
export const DATUM_VALUE_SQL = `coalesce(CASE WHEN abs(d.value) < 1e10
    AND NOT (mod(abs(round(d.value * 200))::bigint, 2) = 1 AND abs(d.value * 200 - round(d.value * 200)) < 0.01)
  THEN d.value_json END, 'R' || d.value::text)`;

/** `"value":R<float8 text>` in the body the statement builds (see {@link DATUM_VALUE_SQL}). */
const RAW_VALUE = /"value":R([-+.0-9A-Za-z]+)/g;

/**
 * The body with each `"value":R<float8 text>` of {@link DATUM_VALUE_SQL} as `/data/` sends it: Python's
 * `round(x, 2)` of the float, written as JavaScript writes a number (what the response serialiser wrote); a
 * non-finite value is `null`, as JSON has no other spelling for it.
 */
export function roundRawValues(body: string): string {
  return body.replace(RAW_VALUE, (_match: string, raw: string) => {
    const rounded = pyRound2(Number.parseFloat(raw));
    return `"value":${Number.isFinite(rounded) ? String(rounded) : 'null'}`;
  });
}

/**
 * The statement of {@link dataRoutes}: the whole answer as one text. Each datum is a JSON object in the
 * reference's member order; per signature hash, the datums in push-time order (then id); the hashes in the order
 * of their first appearance, as a JavaScript object keeps them (a hash has 40 characters, by a CHECK, so it is
 * never an integer-like key, which an object would put first). One sort by (hash, push time, id) feeds the
 * grouping, each group's first datum from the same order. With `no_retriggers`, only the first datum of each
 * (hash, push). The repository row drives a scalar subquery, so an unknown project (no row) is told apart from a
 * known one without data (`{}`).
 */
function dataStatement(where: readonly string[], skipRetriggers: boolean): string {
  return `SELECT (
    SELECT '{' || coalesce(string_agg(to_json(g.h)::text || ':[' || g.items || ']', ',' ORDER BY g.first_ts, g.first_id), '') || '}'
    FROM (
      SELECT x.h, min(x.push_timestamp) AS first_ts, (array_agg(x.id ORDER BY x.push_timestamp, x.id))[1] AS first_id,
        string_agg(x.json, ',' ORDER BY x.push_timestamp, x.id) AS items
      FROM (
        SELECT s.signature_hash AS h, d.push_timestamp, d.id,${
          skipRetriggers
            ? `
          row_number() OVER (PARTITION BY s.signature_hash, d.push_id ORDER BY d.push_timestamp, d.id) AS nth,`
            : ''
        }
          '{"id":' || d.id || ',"signature_id":' || d.signature_id
            || ',"job_id":' || coalesce(d.job_id::text, 'null') || ',"push_id":' || d.push_id
            || ',"revision":' || to_json(p.revision)::text
            || ',"push_timestamp":' || floor(date_part('epoch', d.push_timestamp))::bigint
            || ',"value":' || ${DATUM_VALUE_SQL} || '}' AS json
        FROM performance_datum d
        JOIN performance_signature s ON s.id = d.signature_id
        JOIN push p ON p.id = d.push_id
        WHERE d.repository_id = r.id${where.map((w) => `\n          AND ${w}`).join('')}
      ) x${skipRetriggers ? '\n      WHERE x.nth = 1' : ''}
      GROUP BY x.h
    ) g) AS body
  FROM repository r
  WHERE r.name = $1`;
}

/**
 * Spec 3.3: a repository's datums keyed by signature hash. One statement builds the body (see
 * {@link dataStatement}); it uses the datum indexes on (repository, signature, push_timestamp), (job_id) and
 * (push_id). Datums come in push-time order (the reference leaves it to the database). JavaScript only rounds
 * the few values the stored text cannot give (Python's `round`, which SQL has no exact form of; see
 * {@link DATUM_VALUE_SQL}) in the text and sends it: no rows to parse, no objects, no serialiser. Replica-routed.
 */
export const dataRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { project: string }; Querystring: Record<string, string[] | undefined> }>(
    '/api/project/:project/performance/data/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: 'Performance datums, keyed by signature hash',
        description:
          'At least one of `signature_id`, `signatures`, `push_id` or `job_id` is required; `signature_id` ' +
          'and `signatures` exclude each other, and so do `interval` and the dates.',
        params: projectParamsSchema,
        querystring: {
          type: 'object',
          properties: {
            signatures: repeatedParam('Signature hashes (deprecated; all frameworks)'),
            signature_id: repeatedParam('Signature ids'),
            push_id: repeatedParam('Push ids'),
            job_id: repeatedParam('Job ids'),
            framework: repeatedParam('Framework ids'),
            interval: repeatedParam('Seconds: `push_timestamp > now - interval` (UTC)'),
            start_date: repeatedParam('`push_timestamp > start_date` (exclusive)'),
            end_date: repeatedParam('`push_timestamp < end_date` (exclusive)'),
            no_retriggers: repeatedParam('Keep only the first datum per push and signature hash'),
          },
        },
        // Documentation only: the body is built in SQL and sent as a string.
        response: { 200: { type: 'object', additionalProperties: { type: 'array', items: datumSchema } } },
      },
    },
    async (request, reply) => {
      const { where, params, skipRetriggers, cutoff } = await parseAfterRepository(
        app.db,
        request.params.project,
        () => datumFilters(request.query, request.params.project),
      );
      // One push's data (no window relative to now): Cache-Control.
      if (asList(request.query.push_id).length > 0 && cutoff === null) markFixedAnswer(reply);
      // Kept by the answer memo; with `interval`, while no datum of the repository crosses the window's edge.
      const text = dataStatement(where, skipRetriggers);
      const sent = await app.answerMemo.send(app.db, request, reply.type('application/json'), {
        key: windowedStatementKey('data', text, params, cutoff),
        text,
        values: params,
        window: repositoryMemoWindow(DATUM_PUSHED_SINCE, request.params.project, cutoff),
        transform: roundRawValues,
      });
      if (sent === null) throw unknownProject();
      return sent;
    },
  );
};
