import type { FastifyPluginAsync } from 'fastify';
import { markFixedAnswer } from '../../http/etag.ts';
import { INT8 } from '../../http/integer-param.ts';
import { asList, drfBoolean, last } from '../../http/query-params.ts';
import { badRequest } from '../../http/service-errors.ts';
import {
  intColumnList,
  invalidInteger,
  parseAfterRepository,
  projectParamsSchema,
  repeatedParam,
  timeWindowConditions,
  unknownProject,
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
}

interface DatumRow {
  repository_id: number;
  id: string | null;
  signature_id: number;
  signature_hash: string;
  job_id: string | null;
  push_id: number;
  push_timestamp: string;
  value: number;
  revision: string;
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
    where.push(`d.push_id = ANY(${param(list)}::int[])`);
  }
  if (asList(q.job_id).length > 0) where.push(`d.job_id = ANY(${param(jobIds)}::bigint[])`);
  const frameworks = asList(q.framework);
  if (frameworks.length > 0) {
    const list = intColumnList('framework', frameworks, () => invalidInteger('framework'));
    where.push(`s.framework_id = ANY(${param(list)}::int[])`);
  }

  where.push(...timeWindowConditions(q, 'd.push_timestamp', 'exclusive', param));

  return { where, params, skipRetriggers };
}

/**
 * Spec 3.3: a repository's datums keyed by signature hash. One statement (repository row + lateral
 * join, so an unknown project is told apart from "no data"); it uses the datum indexes on
 * (repository, signature, push_timestamp), (job_id) and (push_id). Datums come in push-time order
 * (the reference leaves it to the database). Replica-routed.
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
        response: { 200: { type: 'object', additionalProperties: { type: 'array', items: datumSchema } } },
      },
    },
    async (request, reply) => {
      const { where, params, skipRetriggers } = await parseAfterRepository(
        app.db,
        request.params.project,
        () => datumFilters(request.query, request.params.project),
      );
      const { rows }: { rows: DatumRow[] } = await app.db.query(
        `SELECT r.id AS repository_id, x.*
         FROM repository r
         LEFT JOIN LATERAL (
           SELECT d.id, d.signature_id, s.signature_hash, d.job_id, d.push_id,
             floor(extract(epoch FROM d.push_timestamp))::bigint AS push_timestamp, d.value, p.revision,
             d.push_timestamp AS sort_key
           FROM performance_datum d
           JOIN performance_signature s ON s.id = d.signature_id
           JOIN push p ON p.id = d.push_id
           WHERE d.repository_id = r.id${where.map((w) => `\n             AND ${w}`).join('')}
         ) x ON true
         WHERE r.name = $1
         ORDER BY x.sort_key, x.id`,
        params,
      );
      if (rows.length === 0) throw unknownProject();

      const result: Record<string, DatumPoint[]> = {};
      const seenPushes = new Map<string, Set<number>>();
      for (const row of rows) {
        if (row.id === null) continue;
        if (skipRetriggers) {
          const seen = seenPushes.get(row.signature_hash) ?? new Set<number>();
          seenPushes.set(row.signature_hash, seen);
          if (seen.has(row.push_id)) continue;
          seen.add(row.push_id);
        }
        const points = result[row.signature_hash] ?? [];
        result[row.signature_hash] = points;
        points.push({
          id: Number(row.id),
          signature_id: row.signature_id,
          job_id: row.job_id === null ? null : Number(row.job_id),
          push_id: row.push_id,
          revision: row.revision,
          push_timestamp: Number(row.push_timestamp),
          value: pyRound2(row.value),
        });
      }
      // One push's data (no window relative to now): Cache-Control.
      if (asList(request.query.push_id).length > 0 && asList(request.query.interval).length === 0) {
        markFixedAnswer(reply);
      }
      return result;
    },
  );
};
