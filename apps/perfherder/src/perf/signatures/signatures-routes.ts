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
  signatureCoreSchema,
  timeWindowConditions,
  unknownProject,
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
}

interface SignatureRow {
  repository_id: number;
  id: number | null;
  signature_hash: string;
  option_collection_hash: string;
  platform: string;
  framework_id: number;
  suite: string;
  test: string;
  application: string;
  lower_is_better: boolean;
  extra_options: string;
  measurement_unit: string | null;
  has_subtests: boolean;
  tags: string;
  parent_signature_hash: string | null;
  should_alert: boolean | null;
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

/** Builds the sparse object of one row (member order as the reference's). */
function sparse(row: SignatureRow & { id: number }): SparseSignature {
  const out: SparseSignature = {
    id: row.id,
    signature_hash: row.signature_hash,
    framework_id: row.framework_id,
    option_collection_hash: row.option_collection_hash,
    machine_platform: row.platform,
    suite: row.suite,
    should_alert: row.should_alert,
  };
  if (!row.lower_is_better) out.lower_is_better = false;
  if (row.test) out.test = row.test;
  if (row.application) out.application = row.application;
  if (row.has_subtests) out.has_subtests = true;
  if (row.tags) out.tags = row.tags.split(' ');
  if (row.parent_signature_hash) out.parent_signature = row.parent_signature_hash;
  if (row.extra_options) out.extra_options = row.extra_options.split(' ');
  if (row.measurement_unit) out.measurement_unit = row.measurement_unit;
  return out;
}

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

  where.push(...timeWindowConditions(q, 's.last_updated', 'inclusive', param));

  const platform = last(q.platform);
  if (platform) where.push(`mp.platform = ${param(platform)}`);

  return { where, params };
}

/**
 * Spec 3.1: the repository's signatures as an object keyed by id, each value sparse. One statement: the
 * repository row drives a lateral join, so an unknown project (no row) and a known one without
 * signatures (one row of NULLs) are told apart without a second query. Replica-routed.
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
        response: { 200: { type: 'object', additionalProperties: sparseSignatureSchema } },
      },
    },
    async (request) => {
      const { where, params } = await parseAfterRepository(app.db, request.params.project, () =>
        signatureFilters(request.query, request.params.project),
      );
      const { rows }: { rows: SignatureRow[] } = await app.db.query(
        `SELECT r.id AS repository_id, x.*
         FROM repository r
         LEFT JOIN LATERAL (
           SELECT DISTINCT s.id, s.signature_hash, oc.option_collection_hash, mp.platform, s.framework_id,
             s.suite, s.test, s.application, s.lower_is_better, s.extra_options, s.measurement_unit,
             s.has_subtests, s.tags, parent.signature_hash AS parent_signature_hash, s.should_alert
           FROM performance_signature s
           JOIN option_collection oc ON oc.id = s.option_collection_id
           JOIN machine_platform mp ON mp.id = s.platform_id
           LEFT JOIN performance_signature parent ON parent.id = s.parent_signature_id
           WHERE s.repository_id = r.id${where.map((w) => `\n             AND ${w}`).join('')}
         ) x ON true
         WHERE r.name = $1`,
        params,
      );
      if (rows.length === 0) throw unknownProject();
      const result: Record<string, SparseSignature> = {};
      for (const row of rows) {
        if (row.id !== null) result[row.id] = sparse(row as SignatureRow & { id: number });
      }
      return result;
    },
  );
};
