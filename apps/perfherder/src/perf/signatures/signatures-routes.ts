import type { FastifyPluginAsync } from 'fastify';
import { pyInt } from '../../http/integer-param.ts';
import { asList, last } from '../../http/query-params.ts';
import { badRequest } from '../../http/service-errors.ts';
import {
  intColumnList,
  invalidInteger,
  parseAfterRepository,
  projectParamsSchema,
  repeatedParam,
  repositoryMemoWindow,
  SIGNATURE_UPDATED_SINCE,
  type StatementCutoff,
  signatureCoreSchema,
  timeWindowConditions,
  unknownProject,
  windowedStatementKey,
} from './series-params.ts';

/** One signature as `/signatures/` sends it: sparse, optional members only when they carry information. */
export interface SparseSignature {
  id: number;
  signature_hash: string;
  framework_id: number;
  option_collection_hash: string;
  machine_platform: string;
  suite: string;
  should_alert: boolean | null;
  lower_is_better?: false;
  test?: string;
  application?: string;
  has_subtests?: true;
  tags?: string[];
  parent_signature?: string;
  extra_options?: string[];
  measurement_unit?: string;
}

interface Filters {
  where: string[];
  params: unknown[];
  /** The `interval` cutoff, computed once per request (null without `interval`). */
  cutoff: StatementCutoff | null;
  /** Whether a condition names the platform (`mp`). */
  byPlatform: boolean;
}

const querystring = {
  type: 'object',
  properties: {
    parent_signature: repeatedParam('Keep children of the signatures with these hashes'),
    subtests: repeatedParam('`0`: only top-level signatures (no parent); default: all'),
    id: repeatedParam('Signature ids'),
    signature: repeatedParam('Signature hashes'),
    framework: repeatedParam('Framework ids'),
    interval: repeatedParam('Seconds: `last_updated >= now - interval` (UTC)'),
    start_date: repeatedParam('`last_updated >= start_date` (ISO 8601, UTC when no zone)'),
    end_date: repeatedParam('`last_updated <= end_date` (ISO 8601, UTC when no zone)'),
    platform: repeatedParam('Machine platform name, e.g. `win7`'),
  },
} as const;

const sparseSignatureSchema = {
  type: 'object',
  properties: {
    ...signatureCoreSchema.properties,
    lower_is_better: { type: 'boolean', description: 'Only present (false) when lower is not better' },
    test: { type: 'string', description: 'Only present when non-empty' },
    application: { type: 'string', description: 'Only present when non-empty' },
    has_subtests: { type: 'boolean', description: 'Only present (true) when the signature has subtests' },
    tags: { type: 'array', items: { type: 'string' }, description: 'Only present when non-empty' },
    parent_signature: { type: 'string', description: "The parent's hash; only present with a parent" },
    extra_options: { type: 'array', items: { type: 'string' }, description: 'Only present when non-empty' },
    measurement_unit: { type: 'string', description: 'Only present when non-empty' },
  },
  required: [...signatureCoreSchema.required],
} as const;

/** The reference's filters, in its order, as SQL conditions on `s` (signature), `mp` and `r`. */
function signatureFilters(q: Record<string, string[] | undefined>, project: string): Filters {
  const params: unknown[] = [project];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];

  const parentHashes = asList(q.parent_signature);
  if (parentHashes.length > 0) {
    where.push(
      `s.parent_signature_id IN (SELECT ps.id FROM performance_signature ps
         WHERE ps.repository_id = r.id AND ps.signature_hash = ANY(${param(parentHashes)}::text[]))`,
    );
  }

  const subtests = last(q.subtests);
  if (subtests !== undefined) {
    const n = pyInt(subtests);
    // The reference runs int() on it and fails with a 500 on anything else.
    if (n === undefined) throw invalidInteger('subtests');
    if (n === 0n) where.push('s.parent_signature_id IS NULL');
  }

  const ids = asList(q.id);
  if (ids.length > 0) {
    const list = intColumnList('id', ids, () =>
      badRequest({ message: 'One or more id values invalid (must be integer)' }),
    );
    where.push(`s.id = ANY(${param(list)}::int[])`);
  }

  const hashes = asList(q.signature);
  if (hashes.length > 0) where.push(`s.signature_hash = ANY(${param(hashes)}::text[])`);

  const frameworks = asList(q.framework);
  if (frameworks.length > 0) {
    const list = intColumnList('framework', frameworks, () => invalidInteger('framework'));
    where.push(`s.framework_id = ANY(${param(list)}::int[])`);
  }

  const window = timeWindowConditions(q, SIGNATURE_UPDATED_SINCE, param);
  where.push(...window.where);

  const platform = last(q.platform);
  if (platform) where.push(`mp.platform = ${param(platform)}`);

  return { where, params, cutoff: window.cutoff, byPlatform: Boolean(platform) };
}

/**
 * Spec 3.1: the repository's signatures as an object keyed by id, each value sparse (see {@link SparseSignature};
 * the object's text is stored per signature by migration 0011). One statement concatenates the whole body
 * (keys in ascending id order, as a JavaScript object with integer keys serialises them),
 * sent as it is: no rows to parse, no objects, no serialiser. The repository row drives a scalar subquery, so
 * an unknown project (no row) and a known one without signatures (`{}`) are told apart without a second query.
 * Replica-routed.
 */
export const signaturesRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { project: string }; Querystring: Record<string, string[] | undefined> }>(
    '/api/project/:project/performance/signatures/',
    {
      config: { readReplica: true },
      schema: {
        tags: ['performance'],
        summary: "A repository's performance signatures, keyed by id",
        params: projectParamsSchema,
        querystring,
        // Documentation only: the body is built in SQL and sent as a string.
        response: { 200: { type: 'object', additionalProperties: sparseSignatureSchema } },
      },
    },
    async (request, reply) => {
      const { where, params, cutoff, byPlatform } = await parseAfterRepository(
        app.db,
        request.params.project,
        () => signatureFilters(request.query, request.params.project),
      );
      // Each signature's sparse object is stored (migration 0011, kept by triggers); built here only while its
      // option collection or platform is not written yet (by id: a whole-row reference would carry every
      // column through the sort). The platform is joined for its filter only.
      const platformJoin = byPlatform ? '\n           JOIN machine_platform mp ON mp.id = s.platform_id' : '';
      const text = `SELECT (SELECT '{' || coalesce(string_agg('"' || s.id || '":' || coalesce(s.sparse_json,
             (SELECT performance_signature_sparse_json(f) FROM performance_signature f WHERE f.id = s.id)),
             ',' ORDER BY s.id), '') || '}'
           FROM performance_signature s${platformJoin}
           WHERE s.repository_id = r.id${where.map((w) => `\n             AND ${w}`).join('')}) AS body
         FROM repository r
         WHERE r.name = $1`;
      // Kept by the answer memo; with `interval`, while no signature of the repository crosses the window's edge.
      const sent = await app.answerMemo.send(app.db, request, reply.type('application/json'), {
        key: windowedStatementKey('signatures', text, params, cutoff),
        text,
        values: params,
        window: repositoryMemoWindow(SIGNATURE_UPDATED_SINCE, request.params.project, cutoff),
      });
      if (sent === null) throw unknownProject();
      return sent;
    },
  );
};
